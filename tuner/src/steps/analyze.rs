//! The analysis step: statistics, costs and every strategy's recommendation, per architecture
//! and overall, as an [`analyzer::result::TuningResult`]. All figures come from
//! [`analyzer::analysis`]; this step only gathers the executions and adds the warnings.

use analyzer::analysis::{analyze_configuration, power_tuning_output, recommend};
use analyzer::environment::{Backend, Isolation};
use analyzer::pricing::PriceTable;
use analyzer::result::{
    ConfigKey, FunctionInfo, RunEnvironment, SCHEMA_VERSION, TuningResult, Warning,
};
use tracing::instrument;

use super::AnalyzeInput;
use crate::error::{Error, Result};

/// Seed of the bootstrap intervals, fixed so a result is reproducible from its samples.
pub const BOOTSTRAP_SEED: u64 = 0x5eed_7a11;

/// Runs the step.
///
/// # Errors
///
/// [`Error::Analysis`] when a configuration has no successful sample, the price table does
/// not know the region, or nothing was measured.
#[instrument(skip_all, fields(configurations = input.executions.len()))]
pub async fn analyze(input: &AnalyzeInput) -> Result<TuningResult> {
    analyze_sync(input)
}

/// The same as [`analyze()`], without async (the step does no I/O).
///
/// # Errors
///
/// As [`analyze()`].
pub fn analyze_sync(input: &AnalyzeInput) -> Result<TuningResult> {
    let tuning = &input.input.tuning;
    let prices = PriceTable::builtin();
    let environment = input.environment.clone().unwrap_or_else(|| RunEnvironment {
        backend: Backend::Aws,
        region: tuning
            .region
            .clone()
            .or_else(|| super::region_of(&tuning.lambda_arn).map(str::to_owned))
            .unwrap_or_else(|| "us-east-1".into()),
        powertune_version: env!("CARGO_PKG_VERSION").into(),
        host_architecture: None,
        host_cpus: None,
        isolation: None,
        started_at: None,
    });
    let region = tuning
        .region
        .clone()
        .unwrap_or_else(|| environment.region.clone());
    let mut warnings = Vec::new();
    let mut configurations = Vec::with_capacity(input.executions.len());
    for execution in &input.executions {
        let c = &execution.configuration;
        let key = ConfigKey {
            memory_mb: c.memory_mb,
            architecture: c.architecture,
        };
        let result = analyze_configuration(
            key,
            execution.samples.clone(),
            tuning,
            prices,
            &region,
            BOOTSTRAP_SEED,
        )
        .map_err(|e| Error::Analysis(format!("{} on {}: {e}", c.memory_mb, c.architecture)))?;
        if result.errors > 0 {
            warnings.push(Warning::function_errors(
                result.errors,
                execution.samples.len(),
                c.memory_mb,
                c.architecture,
            ));
        }
        configurations.push(result);
    }
    if configurations.is_empty() {
        return Err(Error::Analysis("no configuration was measured".into()));
    }
    configurations.sort_by_key(|c| (c.key.architecture, c.key.memory_mb));
    if environment.isolation == Some(Isolation::None) {
        warnings.push(Warning::cpu_not_throttled());
    }
    let architecture = if configurations
        .iter()
        .any(|c| c.key.architecture == input.original.architecture)
    {
        input.original.architecture
    } else {
        configurations[0].key.architecture
    };
    let power_tuning = power_tuning_output(&configurations, architecture, tuning, prices, &region)
        .map_err(|e| Error::Analysis(e.to_string()))?;
    let recommendations = recommend(&configurations, tuning);
    Ok(TuningResult {
        schema_version: SCHEMA_VERSION,
        function: FunctionInfo {
            name: input.original.function_name.clone(),
            arn: input.original.function_arn.clone(),
            original_memory_mb: Some(input.original.memory_mb),
            original_architecture: Some(input.original.architecture),
        },
        input: tuning.clone(),
        configurations,
        recommendations,
        power_tuning,
        warnings,
        environment,
        concurrency: None,
    })
}
