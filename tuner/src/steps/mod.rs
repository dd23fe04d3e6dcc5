//! The tuning steps, each a plain async function over aws-sdk-lambda that takes and returns
//! serde types: the payloads of the state machine's states (camelCase JSON).
//!
//! ```text
//! initialize(RunInput) -> InitializeOutput
//! execute(ExecuteInput) -> ExecuteOutput             one per configuration
//! clean(CleanInput) -> CleanOutput                   always, also after a failure
//! analyze(AnalyzeInput) -> analyzer::result::TuningResult
//! optimize(OptimizeInput) -> OptimizeOutput          only with autoOptimize
//! ```

use std::time::Duration;

use analyzer::result::TuningInput;
use analyzer::units::{Architecture, MemoryMb};
use aws_sdk_lambda::Client;
use aws_sdk_lambda::types::{LastUpdateStatus, State};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub mod analyze;
pub mod clean;
pub mod execute;
pub mod initialize;
pub mod optimize;
pub mod original;

/// Prefix of every alias, version description and temporary function a run creates.
pub const NAME_PREFIX: &str = "powertune-";

/// Tag key carrying the run id on everything taggable a run creates.
pub const RUN_TAG: &str = "powertune:run-id";

/// Tag key carrying the name of the function a temporary copy was made from.
pub const SOURCE_TAG: &str = "powertune:source";

/// Start of the description of every version a run publishes.
pub const VERSION_DESCRIPTION_PREFIX: &str = "powertune:run-id=";

/// The execution input: aws-lambda-power-tuning's fields (see [`TuningInput`]) plus the few
/// that only the tuner reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunInput {
    /// The tuning input, field names as aws-lambda-power-tuning's.
    #[serde(flatten)]
    pub tuning: TuningInput,
    /// Function error types that do not fail the run (aws-lambda-power-tuning's
    /// `allowedExceptions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_exceptions: Vec<String>,
    /// At most this many invocations in flight with `parallelInvocation` (default: `num`, as
    /// aws-lambda-power-tuning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_parallel_invocations: Option<u32>,
    /// Run id to use instead of a generated one (names, tags, descriptions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

impl RunInput {
    /// Wraps a [`TuningInput`] with no tuner-only fields.
    pub fn new(tuning: TuningInput) -> Self {
        Self {
            tuning,
            allowed_exceptions: Vec::new(),
            max_parallel_invocations: None,
            run_id: None,
        }
    }
}

/// One configuration prepared by [`initialize()`]: an alias on a published version with the
/// memory size and architecture to measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TunedConfiguration {
    /// Memory size.
    pub memory_mb: MemoryMb,
    /// Architecture.
    pub architecture: Architecture,
    /// Function to invoke: the tuned function, or its temporary copy for another architecture.
    pub function_name: String,
    /// Aliases to invoke. One normally; `num` with `onlyColdStarts`, sample `i` using
    /// `aliases[i]`, each on its own version so each sample starts a new environment.
    pub aliases: Vec<String>,
    /// Versions the aliases point to, in the same order.
    pub versions: Vec<String>,
    /// Whether `function_name` is a temporary copy made by this run.
    pub temporary: bool,
}

/// The original configuration of the tuned function, restored after the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginalConfiguration {
    /// Function name (unqualified).
    pub function_name: String,
    /// Function ARN, when the service reports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_arn: Option<String>,
    /// Memory size before the run.
    pub memory_mb: MemoryMb,
    /// Description before the run.
    #[serde(default)]
    pub description: String,
    /// Architecture of the function.
    pub architecture: Architecture,
}

/// The output of [`initialize()`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeOutput {
    /// The run id used in every name, tag and description.
    pub run_id: String,
    /// The tuned function as it was before the run.
    pub original: OriginalConfiguration,
    /// One entry per memory size x architecture, sorted by architecture then memory.
    pub configurations: Vec<TunedConfiguration>,
    /// Temporary copies made for other architectures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub temporary_functions: Vec<String>,
}

/// The input of [`execute()`]: the run input and one configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecuteInput {
    /// The execution input.
    pub input: RunInput,
    /// The configuration to measure.
    pub configuration: TunedConfiguration,
}

/// The output of [`execute()`]: every raw sample of one configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecuteOutput {
    /// The configuration measured.
    pub configuration: TunedConfiguration,
    /// Every sample, in the order the invocations were started.
    pub samples: Vec<analyzer::result::Sample>,
    /// Invocations of the tuned function (retries of throttled calls not counted).
    pub invocations: u32,
    /// Whether adaptive sampling stopped before `num`.
    pub stopped_early: bool,
    /// Relative width of the mean duration's confidence interval when sampling stopped, when
    /// `precision` was given and enough samples were taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_ci_width: Option<f64>,
}

/// The input of [`clean()`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanInput {
    /// The tuned function (name or ARN).
    #[serde(rename = "lambdaARN")]
    pub lambda_arn: String,
    /// Remove what this run created; `None` removes the debris of every powertune run on the
    /// function (aliases and versions by prefix, temporary copies by tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The configuration to restore, when known; otherwise it is read back from the
    /// description of a `$LATEST` a killed run left behind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<OriginalConfiguration>,
    /// Temporary copies known to the caller (found by tag anyway).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub temporary_functions: Vec<String>,
}

/// The output of [`clean()`]: what was deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanOutput {
    /// Aliases deleted from the tuned function.
    pub deleted_aliases: Vec<String>,
    /// Versions deleted from the tuned function.
    pub deleted_versions: Vec<String>,
    /// Temporary copies deleted (with all their versions and aliases).
    pub deleted_functions: Vec<String>,
    /// Whether the original memory size and description were written back.
    pub restored: bool,
    /// Things that could not be removed, one sentence each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// The input of [`analyze()`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyzeInput {
    /// The execution input.
    pub input: RunInput,
    /// The tuned function as it was.
    pub original: OriginalConfiguration,
    /// One entry per configuration.
    pub executions: Vec<ExecuteOutput>,
    /// Where the run was measured (default: AWS, in the function's region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<analyzer::result::RunEnvironment>,
}

/// The input of [`optimize()`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptimizeInput {
    /// The tuned function (name or ARN).
    #[serde(rename = "lambdaARN")]
    pub lambda_arn: String,
    /// Memory size to apply.
    pub memory_mb: MemoryMb,
    /// Alias to point at a new version with that memory size (`autoOptimizeAlias`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

/// The output of [`optimize()`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptimizeOutput {
    /// Memory size applied to `$LATEST`.
    pub memory_mb: MemoryMb,
    /// Version published, when an alias was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Alias pointed at it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

pub use analyze::analyze;
pub use clean::clean;
pub use execute::execute;
pub use initialize::initialize;
pub use optimize::optimize;

/// A run id made safe for alias and function names: letters, digits, `-` and `_` only (others
/// become `-`), at most 40 characters. A Step Functions execution name passes through unchanged
/// in the common case (a UUID).
pub fn safe_run_id(run_id: &str) -> String {
    safe_name(run_id, "run")
}

/// `text` reduced to what Lambda accepts in function and alias names: ASCII letters, digits,
/// `-` and `_` (anything else becomes `-`), at most 40 characters; `fallback` when empty.
pub fn safe_name(text: &str, fallback: &str) -> String {
    let name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    if name.is_empty() {
        fallback.to_owned()
    } else {
        name
    }
}

/// The region of a function ARN (`arn:aws:lambda:<region>:...`), when it is one.
pub fn region_of(lambda_arn: &str) -> Option<&str> {
    let mut parts = lambda_arn.split(':');
    (parts.next() == Some("arn")).then_some(())?;
    parts.nth(2).filter(|r| !r.is_empty())
}

/// The unqualified function name or ARN of `lambda_arn` (drops a `:qualifier`).
pub fn unqualified(lambda_arn: &str) -> &str {
    if lambda_arn.starts_with("arn:") {
        // arn:aws:lambda:region:account:function:name[:qualifier]
        let mut cut = lambda_arn.len();
        if lambda_arn.split(':').count() > 7 {
            cut = lambda_arn.rfind(':').unwrap_or(lambda_arn.len());
        }
        &lambda_arn[..cut]
    } else {
        lambda_arn.split(':').next().unwrap_or(lambda_arn)
    }
}

/// The bare function name of a name or ARN.
pub fn function_name(lambda_arn: &str) -> &str {
    let unq = unqualified(lambda_arn);
    if unq.starts_with("arn:") {
        unq.rsplit(':').next().unwrap_or(unq)
    } else {
        unq
    }
}

/// How long [`wait_until_ready`] waits at most.
pub const SETTLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Polls `GetFunctionConfiguration` with exponential backoff until the function is `Active`
/// and its `LastUpdateStatus` is `Successful` (or absent, as for a brand-new function), and
/// returns that settled configuration.
///
/// # Errors
///
/// [`Error::UpdateFailed`] when Lambda reports the update or creation as failed,
/// [`Error::Timeout`] after [`SETTLE_TIMEOUT`], [`Error::Lambda`] when the call fails.
pub async fn wait_until_ready(
    client: &Client,
    function: &str,
) -> Result<aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput> {
    let started = tokio::time::Instant::now();
    let mut delay = Duration::from_millis(50);
    loop {
        let config = client
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(|e| Error::lambda("GetFunctionConfiguration", function, e))?;
        let state = config.state().cloned();
        let update = config.last_update_status().cloned();
        match (&state, &update) {
            (Some(State::Failed), _) | (_, Some(LastUpdateStatus::Failed)) => {
                return Err(Error::UpdateFailed {
                    function: function.to_owned(),
                    reason: config
                        .last_update_status_reason()
                        .or(config.state_reason())
                        .unwrap_or("no reason given")
                        .to_owned(),
                });
            }
            (Some(State::Pending), _) | (_, Some(LastUpdateStatus::InProgress)) => {}
            _ => return Ok(config),
        }
        let waited = started.elapsed();
        if waited >= SETTLE_TIMEOUT {
            return Err(Error::Timeout {
                function: function.to_owned(),
                waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                status: format!("{state:?}/{update:?}"),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

/// The architecture of a Lambda configuration (Lambda's default, x86_64, when absent).
pub(crate) fn architecture_of(archs: &[aws_sdk_lambda::types::Architecture]) -> Architecture {
    match archs.first() {
        Some(aws_sdk_lambda::types::Architecture::Arm64) => Architecture::Arm64,
        _ => Architecture::X86_64,
    }
}

/// The SDK's spelling of an architecture.
pub(crate) fn sdk_architecture(arch: Architecture) -> aws_sdk_lambda::types::Architecture {
    match arch {
        Architecture::X86_64 => aws_sdk_lambda::types::Architecture::X8664,
        Architecture::Arm64 => aws_sdk_lambda::types::Architecture::Arm64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unqualified_drops_the_qualifier_of_names_and_arns() {
        assert_eq!(unqualified("f"), "f");
        assert_eq!(unqualified("f:prod"), "f");
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
        assert_eq!(unqualified(arn), arn);
        assert_eq!(unqualified(&format!("{arn}:7")), arn);
        assert_eq!(function_name(&format!("{arn}:7")), "f");
        assert_eq!(function_name("f:prod"), "f");
        assert_eq!(region_of(arn), Some("us-east-1"));
        assert_eq!(region_of("f"), None);
    }

    #[test]
    fn run_ids_are_made_safe_for_names() {
        assert_eq!(safe_run_id("0f8e-41_a"), "0f8e-41_a");
        assert_eq!(safe_run_id("a.b c"), "a-b-c");
        assert_eq!(safe_run_id(&"x".repeat(80)).len(), 40);
    }
}
