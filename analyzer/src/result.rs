//! Serde types shared by every part of powertune: the tuning input (accepting
//! aws-lambda-power-tuning's field names) and the versioned result schema.
//!
//! The vocabulary results share with other documents lives in leaf modules and is re-exported
//! here: [`ConfigKey`] ([`crate::units`]), [`Warning`] ([`crate::warning`]) and
//! [`RunEnvironment`] ([`crate::environment`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::environment::RunEnvironment;
use crate::report_line::ReportStatus;
use crate::stats::Summary;
pub use crate::units::ConfigKey;
use crate::units::{Architecture, MemoryMb};
pub use crate::warning::Warning;

/// Version of the result schema written by this build. Readers reject other versions with a
/// clear error.
pub const SCHEMA_VERSION: u32 = 1;

/// The strategies aws-lambda-power-tuning defines.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Cheapest average cost per invocation.
    #[default]
    Cost,
    /// Fastest average duration.
    Speed,
    /// Weighted mix of normalized cost and duration (`balancedWeight`).
    Balanced,
}

impl Strategy {
    /// Every strategy, in the order recommendations list them.
    pub const ALL: [Strategy; 3] = [Strategy::Cost, Strategy::Speed, Strategy::Balanced];

    /// The name the input spells (`cost`, `speed`, `balanced`).
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Cost => "cost",
            Strategy::Speed => "speed",
            Strategy::Balanced => "balanced",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `powerValues`: an explicit list of memory sizes, or `"ALL"`.
///
/// This is the input as written: the tuner validates each size into a
/// [`MemoryMb`], so that an out-of-range size is an error naming
/// `powerValues` and the size, not a failure to read the whole input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PowerValues {
    /// Explicit sizes in MB, as written.
    List(Vec<u32>),
    /// The string `"ALL"`: every size aws-lambda-power-tuning lists.
    Keyword(String),
}

/// One entry of a weighted payload list (`payload: [{"payload": ..., "weight": 5}, ...]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightedPayload {
    /// The event to send.
    pub payload: serde_json::Value,
    /// Relative weight (share of `num`).
    pub weight: u32,
}

/// Where to find the code of a temporary copy built for another architecture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeLocation {
    /// Local path of a zip file or a folder holding `bootstrap` (local runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip_file: Option<String>,
    /// S3 bucket of the code zip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket: Option<String>,
    /// S3 key of the code zip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_key: Option<String>,
    /// Handler to set on the copy, when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// Runtime to set on the copy, when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
}

/// Adaptive sampling: stop early once the confidence interval of the mean duration is
/// narrower than `relativeWidth` of the mean, never below `minSamples` nor above `num`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SamplingPrecision {
    /// Target full width of the CI as a fraction of the mean (e.g. `0.05` = +/-2.5%).
    pub relative_width: f64,
    /// Confidence level of the interval (default 0.95).
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    /// Never stop before this many samples (default 10).
    #[serde(default = "default_min_samples")]
    pub min_samples: u32,
}

fn default_confidence() -> f64 {
    0.95
}

fn default_min_samples() -> u32 {
    10
}

fn default_balanced_weight() -> f64 {
    0.5
}

fn default_discard_top_bottom() -> f64 {
    0.2
}

/// A tuning run's input. Field names are aws-lambda-power-tuning's, so its execution inputs
/// deserialize unchanged; powertune's additions are optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TuningInput {
    /// The function (name, ARN, or ARN with qualifier) to tune.
    #[serde(rename = "lambdaARN")]
    pub lambda_arn: String,
    /// Memory sizes to try (default: 128, 256, 512, 1024, 1536, 3008).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_values: Option<PowerValues>,
    /// Invocations per configuration (aws-lambda-power-tuning requires at least 5).
    pub num: u32,
    /// The event: any JSON value, or a weighted list of payloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
    /// S3 URI of the payload (`s3://bucket/key`).
    #[serde(default, rename = "payloadS3", skip_serializing_if = "Option::is_none")]
    pub payload_s3: Option<String>,
    /// Invoke in parallel rather than serially.
    #[serde(default)]
    pub parallel_invocation: bool,
    /// Which strategy picks `power` in the compatible output.
    #[serde(default)]
    pub strategy: Strategy,
    /// Weight of duration against cost for the balanced strategy, in `[0, 1]`.
    #[serde(default = "default_balanced_weight")]
    pub balanced_weight: f64,
    /// Apply the recommended memory when done.
    #[serde(default)]
    pub auto_optimize: bool,
    /// Alias to point at the optimized version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_optimize_alias: Option<String>,
    /// Create configurations but invoke only once each.
    #[serde(default)]
    pub dry_run: bool,
    /// Function invoked before each invocation.
    #[serde(
        default,
        rename = "preProcessorARN",
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_processor_arn: Option<String>,
    /// Function invoked after each invocation.
    #[serde(
        default,
        rename = "postProcessorARN",
        skip_serializing_if = "Option::is_none"
    )]
    pub post_processor_arn: Option<String>,
    /// Fraction of fastest and slowest samples dropped from each end, in `[0, 0.4]`.
    #[serde(default = "default_discard_top_bottom")]
    pub discard_top_bottom: f64,
    /// Pause between serial invocations, in ms.
    #[serde(default)]
    pub sleep_between_runs_ms: u64,
    /// Do not log payloads.
    #[serde(default)]
    pub disable_payload_logs: bool,
    /// Keep each invocation's output in the result.
    #[serde(default)]
    pub include_output_results: bool,
    /// Every sample on a new execution environment.
    #[serde(default)]
    pub only_cold_starts: bool,
    /// powertune: architectures to compare (default: the function's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub architectures: Vec<Architecture>,
    /// powertune: where the code for a temporary copy of another architecture comes from.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub code_by_architecture: BTreeMap<Architecture, CodeLocation>,
    /// powertune: adaptive sampling target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<SamplingPrecision>,
    /// powertune: region whose prices apply (default: the function's region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// One invocation as measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Request id.
    pub request_id: String,
    /// Handler duration in ms.
    pub duration_ms: f64,
    /// Billed duration in whole ms.
    pub billed_duration_ms: u64,
    /// Init Duration in ms, present on cold starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_duration_ms: Option<f64>,
    /// Peak memory in MB.
    pub max_memory_used_mb: u32,
    /// Outcome stated by the REPORT record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReportStatus>,
    /// `X-Amz-Function-Error` or the REPORT `Error Type`, when the invocation failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Index into the weighted payload list, when one was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_index: Option<usize>,
    /// The function's output, only with `includeOutputResults`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<serde_json::Value>,
}

/// Cost figures of one configuration, in USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    /// Average cost of one invocation (aws-lambda-power-tuning's `averagePrice`), from the
    /// trimmed billed durations, request price included.
    pub mean_cost_usd: f64,
    /// Cost of every sample taken (`totalCost`).
    pub total_cost_usd: f64,
    /// Price per GB-second applied.
    pub gb_second_price_usd: f64,
    /// Price per request applied.
    pub request_price_usd: f64,
}

/// Everything measured and computed for one configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigurationResult {
    /// Memory size and architecture.
    #[serde(flatten)]
    pub key: ConfigKey,
    /// Every raw sample, in the order taken.
    pub samples: Vec<Sample>,
    /// Statistics of `duration_ms`.
    pub duration: Summary,
    /// Statistics of `billed_duration_ms`.
    pub billed_duration: Summary,
    /// Statistics of Init Duration over the cold samples, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_duration: Option<Summary>,
    /// Costs.
    pub cost: CostSummary,
    /// Samples whose invocation failed.
    pub errors: u32,
    /// Samples that were cold starts.
    pub cold_starts: u32,
}

/// One strategy's pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Strategy used.
    pub strategy: Strategy,
    /// The configuration chosen.
    #[serde(flatten)]
    pub key: ConfigKey,
    /// Its average cost per invocation in USD.
    pub mean_cost_usd: f64,
    /// Its average (trimmed) duration in ms.
    pub mean_duration_ms: f64,
    /// Configurations whose confidence intervals overlap the chosen one on the strategy's
    /// metric: no significant difference from the pick.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indistinguishable_from: Vec<ConfigKey>,
    /// One sentence a person can read.
    pub explanation: String,
}

/// Every strategy's pick, overall and per architecture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendations {
    /// Picks over every configuration.
    pub overall: Vec<Recommendation>,
    /// Picks within each architecture.
    pub per_architecture: BTreeMap<Architecture, Vec<Recommendation>>,
    /// Configurations no other configuration beats on both cost and duration, by duration.
    pub pareto_frontier: Vec<ConfigKey>,
}

/// aws-lambda-power-tuning's output shape, for users and tools that read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerTuningOutput {
    /// Chosen memory size.
    pub power: MemoryMb,
    /// Its average cost per invocation in USD.
    pub cost: f64,
    /// Its average duration in ms.
    pub duration: f64,
    /// Per memory size figures.
    pub stats: Vec<PowerTuningStat>,
}

/// One row of [`PowerTuningOutput::stats`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PowerTuningStat {
    /// Memory size.
    pub value: MemoryMb,
    /// Average cost per invocation in USD.
    pub average_price: f64,
    /// Average duration in ms.
    pub average_duration: f64,
    /// Cost of all samples in USD.
    pub total_cost: f64,
}

/// Function facts recorded in a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionInfo {
    /// Function name.
    pub name: String,
    /// Function ARN, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Memory size before the run, in MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_memory_mb: Option<MemoryMb>,
    /// Architecture before the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_architecture: Option<Architecture>,
}

/// The result of a tuning run (`kind = "tuning"`), schema [`SCHEMA_VERSION`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuningResult {
    /// Always [`SCHEMA_VERSION`] when written by this build.
    pub schema_version: u32,
    /// The function tuned.
    pub function: FunctionInfo,
    /// The input as given (after defaults).
    pub input: TuningInput,
    /// One entry per configuration, sorted by architecture then memory.
    pub configurations: Vec<ConfigurationResult>,
    /// Strategy picks and the Pareto frontier.
    pub recommendations: Recommendations,
    /// aws-lambda-power-tuning's output for the input's strategy.
    pub power_tuning: PowerTuningOutput,
    /// Conditions a reader must know.
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// Where it ran.
    pub environment: RunEnvironment,
    /// Concurrency figures of the recommended configuration at a given request rate
    /// (`powertune tune --rps`), when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<crate::concurrency::ConcurrencyFigures>,
}
