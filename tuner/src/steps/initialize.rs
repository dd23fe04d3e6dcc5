//! The first step: validate the input, prepare one alias per memory size x architecture, and
//! restore the function's original configuration.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use analyzer::result::{CodeLocation, PowerValues, SamplingPrecision, TuningInput};
use analyzer::units::{Architecture, MemoryMb};
use aws_sdk_lambda::Client;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime};
use aws_smithy_types::Blob;
use tracing::{info, instrument};

use super::{
    InitializeOutput, NAME_PREFIX, RUN_TAG, RunInput, SOURCE_TAG, TunedConfiguration,
    VERSION_DESCRIPTION_PREFIX, function_name, original, sdk_architecture, unqualified,
    wait_until_ready,
};
use crate::error::{Error, Result};

/// Memory sizes tried when the input gives none (aws-lambda-power-tuning's defaults).
pub const DEFAULT_POWER_VALUES: [u32; 6] = [128, 256, 512, 1024, 1536, 3008];

/// The smallest `num` accepted (as aws-lambda-power-tuning).
pub const MIN_NUM: u32 = 5;

/// The largest `num` accepted: beyond it a run costs more than any tuning is worth.
pub const MAX_NUM: u32 = 10_000;

/// A validated input: the memory sizes resolved and every range checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Memory sizes to try, ascending, without duplicates.
    pub memory_sizes: Vec<MemoryMb>,
    /// Invocations per configuration.
    pub num: u32,
}

/// The memory sizes `powerValues: "ALL"` stands for (128 to 3008 MB by 64, as
/// aws-lambda-power-tuning).
pub fn all_power_values() -> Vec<u32> {
    (128..=3008).step_by(64).collect()
}

/// Checks every field of the input and resolves the memory sizes.
///
/// # Errors
///
/// [`Error::InvalidInput`] naming the first offending field and the accepted range.
pub fn validate(input: &RunInput) -> Result<Plan> {
    let t: &TuningInput = &input.tuning;
    if t.lambda_arn.trim().is_empty() {
        return Err(Error::invalid(
            "lambdaARN",
            "is empty: give the function's name or ARN",
        ));
    }
    if t.num < MIN_NUM || t.num > MAX_NUM {
        return Err(Error::invalid(
            "num",
            format!(
                "is {}: must be from {MIN_NUM} to {MAX_NUM} invocations per configuration",
                t.num
            ),
        ));
    }
    let raw: Vec<u32> = match &t.power_values {
        None => DEFAULT_POWER_VALUES.to_vec(),
        Some(PowerValues::List(list)) if list.is_empty() => DEFAULT_POWER_VALUES.to_vec(),
        Some(PowerValues::List(list)) => list.clone(),
        Some(PowerValues::Keyword(k)) if k.eq_ignore_ascii_case("ALL") => all_power_values(),
        Some(PowerValues::Keyword(k)) => {
            return Err(Error::invalid(
                "powerValues",
                format!("is \"{k}\": give a list of MB from 128 to 10240, or \"ALL\""),
            ));
        }
    };
    let mut memory_sizes = Vec::with_capacity(raw.len());
    for value in raw {
        let memory = MemoryMb::try_from(value).map_err(|_| {
            Error::invalid(
                "powerValues",
                format!("contains {value}: each memory size must be from 128 to 10240 MB"),
            )
        })?;
        memory_sizes.push(memory);
    }
    memory_sizes.sort_unstable();
    memory_sizes.dedup();
    if !(0.0..=1.0).contains(&t.balanced_weight) {
        return Err(Error::invalid(
            "balancedWeight",
            format!("is {}: must be from 0 to 1", t.balanced_weight),
        ));
    }
    if !(0.0..=0.4).contains(&t.discard_top_bottom) {
        return Err(Error::invalid(
            "discardTopBottom",
            format!("is {}: must be from 0 to 0.4", t.discard_top_bottom),
        ));
    }
    if let Some(precision) = &t.precision {
        validate_precision(precision, t.num)?;
    }
    if t.payload_s3.is_some() {
        return Err(Error::invalid(
            "payloadS3",
            "is not supported by this tuner: inline the event in payload",
        ));
    }
    if let Some(payload) = &t.payload {
        crate::payload::generate(t.num, payload)?;
    }
    if input.max_parallel_invocations == Some(0) {
        return Err(Error::invalid(
            "maxParallelInvocations",
            "is 0: must be at least 1",
        ));
    }
    if let Some(alias) = &t.auto_optimize_alias {
        validate_alias_name(alias)?;
    }
    for (arch, code) in &t.code_by_architecture {
        if code.zip_file.is_none() && (code.s3_bucket.is_none() || code.s3_key.is_none()) {
            return Err(Error::invalid(
                format!("codeByArchitecture.{arch}"),
                "needs zipFile, or both s3Bucket and s3Key",
            ));
        }
    }
    Ok(Plan {
        memory_sizes,
        num: if t.dry_run { 1 } else { t.num },
    })
}

fn validate_precision(precision: &SamplingPrecision, num: u32) -> Result<()> {
    if !(precision.relative_width > 0.0 && precision.relative_width <= 1.0) {
        return Err(Error::invalid(
            "precision.relativeWidth",
            format!(
                "is {}: must be above 0 and at most 1 (0.05 = a CI 5% of the mean wide)",
                precision.relative_width
            ),
        ));
    }
    if !(precision.confidence > 0.5 && precision.confidence < 1.0) {
        return Err(Error::invalid(
            "precision.confidence",
            format!(
                "is {}: must be above 0.5 and below 1 (e.g. 0.95)",
                precision.confidence
            ),
        ));
    }
    if precision.min_samples < 3 || precision.min_samples > num {
        return Err(Error::invalid(
            "precision.minSamples",
            format!(
                "is {}: must be from 3 to num ({num})",
                precision.min_samples
            ),
        ));
    }
    Ok(())
}

fn validate_alias_name(alias: &str) -> Result<()> {
    let ok = !alias.is_empty()
        && alias.len() <= 128
        && !alias.chars().all(|c| c.is_ascii_digit())
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "autoOptimizeAlias",
            format!("is \"{alias}\": use 1 to 128 letters, digits, - or _, not only digits"),
        ))
    }
}

/// A new run id: the current time in ms, base 36 (short, sortable, alias-safe).
pub fn new_run_id() -> String {
    let mut n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
        ^ u128::from(std::process::id()) << 48;
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 {
        out.push(digits[(n % 36) as usize]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).expect("base-36 digits are ASCII")
}

/// Alias name of one configuration (sample index with `onlyColdStarts`).
pub fn alias_name(
    run_id: &str,
    arch: Architecture,
    memory: MemoryMb,
    index: Option<u32>,
) -> String {
    let base = format!(
        "{NAME_PREFIX}{run_id}-{}-{}",
        arch.as_str().replace('_', ""),
        memory.get()
    );
    match index {
        Some(i) => format!("{base}-{i}"),
        None => base,
    }
}

/// Description set on `$LATEST` and on each published version while a run prepares a
/// configuration. It makes every version distinct (so `PublishVersion` never returns an
/// existing one), marks it as the run's, and records the memory size to restore.
pub fn version_description(
    run_id: &str,
    memory: MemoryMb,
    original_memory_mb: MemoryMb,
    index: Option<u32>,
) -> String {
    let mut text = format!(
        "{VERSION_DESCRIPTION_PREFIX}{run_id} memory={} original-memory={}",
        memory.get(),
        original_memory_mb.get()
    );
    if let Some(i) = index {
        text.push_str(&format!(" sample={i}"));
    }
    text
}

/// Runs the step: validates the input, makes a temporary copy for each architecture the
/// function lacks, and for each memory size sets it, waits for the update, publishes a version
/// and points an alias at it; then restores the original memory size and description.
///
/// # Errors
///
/// [`Error::InvalidInput`] for a bad input, [`Error::Lambda`], [`Error::Timeout`] or
/// [`Error::UpdateFailed`] when Lambda refuses or never settles. What was created before a
/// failure carries the run id; [`super::clean()`] removes it.
#[instrument(skip(client, input), fields(function = %input.tuning.lambda_arn))]
pub async fn initialize(client: &Client, input: &RunInput) -> Result<InitializeOutput> {
    let plan = validate(input)?;
    let run_id = input
        .run_id
        .as_deref()
        .map_or_else(new_run_id, super::safe_run_id);
    let original = original::read(client, &input.tuning.lambda_arn)
        .await?
        .configuration;
    let target = unqualified(&input.tuning.lambda_arn).to_owned();
    let archs: Vec<Architecture> = if input.tuning.architectures.is_empty() {
        vec![original.architecture]
    } else {
        let mut a = input.tuning.architectures.clone();
        a.sort_unstable();
        a.dedup();
        a
    };
    for arch in &archs {
        if *arch != original.architecture && !input.tuning.code_by_architecture.contains_key(arch) {
            return Err(Error::invalid(
                format!("codeByArchitecture.{arch}"),
                format!(
                    "is missing: {} is built for {}; give a zip file or S3 location of its {arch} build",
                    original.function_name, original.architecture
                ),
            ));
        }
    }

    let mut output = InitializeOutput {
        run_id: run_id.clone(),
        original: original.clone(),
        configurations: Vec::new(),
        temporary_functions: Vec::new(),
    };
    let result = prepare_all(client, input, &plan, &archs, &target, &mut output).await;
    // The original function is put back whatever happened above.
    let restored = original::restore(client, &target, original.memory_and_description()).await;
    result?;
    restored?;
    output
        .configurations
        .sort_by_key(|c| (c.architecture, c.memory_mb));
    info!(configurations = output.configurations.len(), run_id = %run_id, "initialized");
    Ok(output)
}

async fn prepare_all(
    client: &Client,
    input: &RunInput,
    plan: &Plan,
    archs: &[Architecture],
    target: &str,
    output: &mut InitializeOutput,
) -> Result<()> {
    for &arch in archs {
        let (function, temporary) = if arch == output.original.architecture {
            (target.to_owned(), false)
        } else {
            let code = input
                .tuning
                .code_by_architecture
                .get(&arch)
                .expect("checked above: every other architecture has code");
            let copy = create_copy(client, target, &output.run_id, arch, code).await?;
            output.temporary_functions.push(copy.clone());
            (copy, true)
        };
        for &memory in &plan.memory_sizes {
            let indices: Vec<Option<u32>> = if input.tuning.only_cold_starts {
                (0..plan.num).map(Some).collect()
            } else {
                vec![None]
            };
            let mut configuration = TunedConfiguration {
                memory_mb: memory,
                architecture: arch,
                function_name: function.clone(),
                aliases: Vec::new(),
                versions: Vec::new(),
                temporary,
            };
            for index in indices {
                let alias = alias_name(&output.run_id, arch, memory, index);
                let description =
                    version_description(&output.run_id, memory, output.original.memory_mb, index);
                let version =
                    publish_configuration(client, &function, memory, &description, &alias).await?;
                configuration.aliases.push(alias);
                configuration.versions.push(version);
            }
            info!(memory_mb = memory.get(), %arch, "alias published");
            output.configurations.push(configuration);
        }
    }
    Ok(())
}

/// Sets the memory size (and a run-specific description), waits for the update, publishes a
/// version and points `alias` at it. Returns the version.
async fn publish_configuration(
    client: &Client,
    function: &str,
    memory: MemoryMb,
    description: &str,
    alias: &str,
) -> Result<String> {
    let memory_i32 = i32::try_from(memory.get()).expect("memory sizes fit in i32");
    client
        .update_function_configuration()
        .function_name(function)
        .memory_size(memory_i32)
        .description(description)
        .send()
        .await
        .map_err(|e| Error::lambda("UpdateFunctionConfiguration", function, e))?;
    wait_until_ready(client, function).await?;
    let published = client
        .publish_version()
        .function_name(function)
        .description(description)
        .send()
        .await
        .map_err(|e| Error::lambda("PublishVersion", function, e))?;
    let version = published
        .version()
        .ok_or_else(|| Error::Lambda {
            operation: "PublishVersion",
            function: function.to_owned(),
            message: "the response names no version".to_owned(),
        })?
        .to_owned();
    let created = client
        .create_alias()
        .function_name(function)
        .name(alias)
        .function_version(&version)
        .description(description)
        .send()
        .await;
    if let Err(err) = created {
        let exists = err
            .as_service_error()
            .is_some_and(|e| e.is_resource_conflict_exception());
        if !exists {
            return Err(Error::lambda("CreateAlias", function, err));
        }
        // A retried step finds its own alias: point it at the new version.
        client
            .update_alias()
            .function_name(function)
            .name(alias)
            .function_version(&version)
            .send()
            .await
            .map_err(|e| Error::lambda("UpdateAlias", function, e))?;
    }
    Ok(version)
}

/// Name of the temporary copy of `function` for `arch` (at most 64 characters).
pub fn copy_name(run_id: &str, arch: Architecture, function: &str) -> String {
    let prefix = format!("{NAME_PREFIX}{run_id}-{}-", arch.as_str().replace('_', ""));
    let room = 64usize.saturating_sub(prefix.len());
    let name: String = function.chars().take(room).collect();
    format!("{prefix}{name}")
}

async fn create_copy(
    client: &Client,
    target: &str,
    run_id: &str,
    arch: Architecture,
    code: &CodeLocation,
) -> Result<String> {
    let source = client
        .get_function_configuration()
        .function_name(target)
        .send()
        .await
        .map_err(|e| Error::lambda("GetFunctionConfiguration", target, e))?;
    let source_name = source
        .function_name()
        .unwrap_or(function_name(target))
        .to_owned();
    let name = copy_name(run_id, arch, &source_name);
    let mut function_code = FunctionCode::builder();
    if let Some(path) = &code.zip_file {
        let bytes = tokio::fs::read(path).await.map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        function_code = function_code.zip_file(Blob::new(bytes));
    } else {
        function_code = function_code
            .set_s3_bucket(code.s3_bucket.clone())
            .set_s3_key(code.s3_key.clone());
    }
    let runtime = code
        .runtime
        .clone()
        .or_else(|| source.runtime().map(|r| r.as_str().to_owned()));
    let handler = code
        .handler
        .clone()
        .or_else(|| source.handler().map(str::to_owned));
    let variables: HashMap<String, String> = source
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default();
    client
        .create_function()
        .function_name(&name)
        .set_role(source.role().map(str::to_owned))
        .set_runtime(runtime.map(|r| Runtime::from(r.as_str())))
        .set_handler(handler)
        .set_timeout(source.timeout())
        .set_memory_size(source.memory_size())
        .environment(
            Environment::builder()
                .set_variables(Some(variables))
                .build(),
        )
        .architectures(sdk_architecture(arch))
        .code(function_code.build())
        .tags(RUN_TAG, run_id)
        .tags(SOURCE_TAG, &source_name)
        .send()
        .await
        .map_err(|e| Error::lambda("CreateFunction", &name, e))?;
    wait_until_ready(client, &name).await?;
    info!(function = %name, %arch, "temporary copy created");
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> RunInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn accepts_a_minimal_input_with_default_power_values() {
        let plan = validate(&input(serde_json::json!({"lambdaARN": "f", "num": 5}))).unwrap();
        assert_eq!(plan.memory_sizes.len(), DEFAULT_POWER_VALUES.len());
        assert_eq!(plan.num, 5);
    }

    #[test]
    fn rejects_num_below_five_naming_the_field_and_range() {
        let err = validate(&input(serde_json::json!({"lambdaARN": "f", "num": 4})))
            .unwrap_err()
            .to_string();
        assert!(err.contains("num") && err.contains('5'), "{err}");
    }

    #[test]
    fn rejects_out_of_range_memory_balanced_weight_and_discard() {
        for (json, field) in [
            (
                serde_json::json!({"lambdaARN": "f", "num": 5, "powerValues": [64]}),
                "powerValues",
            ),
            (
                serde_json::json!({"lambdaARN": "f", "num": 5, "balancedWeight": 1.5}),
                "balancedWeight",
            ),
            (
                serde_json::json!({"lambdaARN": "f", "num": 5, "discardTopBottom": 0.5}),
                "discardTopBottom",
            ),
            (
                serde_json::json!({"lambdaARN": "f", "num": 5, "powerValues": "SOME"}),
                "powerValues",
            ),
            (serde_json::json!({"lambdaARN": "", "num": 5}), "lambdaARN"),
            (
                serde_json::json!({"lambdaARN": "f", "num": 5, "precision": {"relativeWidth": 0.0}}),
                "precision.relativeWidth",
            ),
        ] {
            let err = validate(&input(json)).unwrap_err();
            assert_eq!(err.error_type(), "PowerTune.InvalidInput");
            assert!(err.to_string().contains(field), "{err}");
        }
    }

    #[test]
    fn all_power_values_span_128_to_3008_by_64() {
        let all = all_power_values();
        assert_eq!(all.first(), Some(&128));
        assert_eq!(all.last(), Some(&3008));
        assert_eq!(all.len(), 46);
    }

    #[test]
    fn names_fit_lambda_limits() {
        let id = new_run_id();
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        let memory = MemoryMb::try_from(10240).unwrap();
        let alias = alias_name(&id, Architecture::X86_64, memory, Some(9999));
        assert!(alias.len() <= 128 && alias.starts_with(NAME_PREFIX));
        let copy = copy_name(&id, Architecture::Arm64, &"x".repeat(64));
        assert!(copy.len() <= 64, "{copy}");
    }
}
