//! The local orchestrator: runs the steps in order, measures configurations with bounded
//! parallelism, reports progress, and always runs the clean step: after success, after a
//! failure, and when the `shutdown` future (Ctrl-C) completes first.

use std::future::Future;
use std::sync::Arc;

use analyzer::result::{ConfigKey, RunEnvironment, Sample, TuningResult};
use aws_sdk_lambda::Client;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::steps::{
    self, AnalyzeInput, CleanInput, CleanOutput, ExecuteInput, ExecuteOutput, OptimizeInput,
    OptimizeOutput, RunInput, TunedConfiguration,
};

/// How the orchestrator runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Configurations measured at the same time (at least 1). On one machine, more than one
    /// makes CPU-bound configurations compete for the host's cores.
    pub parallel_configurations: usize,
    /// Where the run is measured, recorded in the result.
    pub environment: RunEnvironment,
}

/// What the orchestrator reports while it runs.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Every configuration is prepared; `planned` invocations each at most.
    Initialized {
        /// The configurations to measure.
        configurations: Vec<TunedConfiguration>,
        /// Invocations planned per configuration.
        planned: u32,
    },
    /// One sample taken.
    Sample {
        /// Its configuration.
        key: ConfigKey,
        /// The sample.
        sample: Sample,
    },
    /// One configuration measured.
    ConfigurationDone {
        /// Its configuration.
        key: ConfigKey,
        /// Invocations spent.
        invocations: u32,
        /// Whether adaptive sampling stopped early.
        stopped_early: bool,
    },
    /// The clean step is running.
    Cleaning,
}

/// A progress callback, shared with the tasks measuring configurations.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Everything a local run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The analyzed result.
    pub result: TuningResult,
    /// What the clean step deleted.
    pub clean: CleanOutput,
    /// What the optimize step applied, with `autoOptimize`.
    pub optimize: Option<OptimizeOutput>,
    /// Invocations spent per configuration, in the order of `result.configurations`.
    pub invocations: Vec<(ConfigKey, u32)>,
}

fn key_of(c: &TunedConfiguration) -> ConfigKey {
    ConfigKey {
        memory_mb: c.memory_mb,
        architecture: c.architecture,
    }
}

/// Runs a whole tuning: initialize, execute every configuration, clean, analyze, and optimize
/// when asked.
///
/// # Errors
///
/// The first step error; [`Error::Interrupted`] when `shutdown` completes before the
/// measurements are done. In every case the clean step has run before this returns.
pub async fn run<S>(
    client: &Client,
    mut input: RunInput,
    options: &Options,
    progress: ProgressFn,
    shutdown: S,
) -> Result<Outcome>
where
    S: Future<Output = ()>,
{
    let plan = steps::initialize::validate(&input)?;
    let run_id = input
        .run_id
        .get_or_insert_with(steps::initialize::new_run_id)
        .clone();
    let original = steps::original::read(client, &input.tuning.lambda_arn)
        .await?
        .configuration;
    info!(%run_id, function = %original.function_name, "tuning run started");

    let measured = {
        let work = measure(client, &input, options, plan.num, &progress);
        tokio::pin!(work);
        tokio::select! {
            r = &mut work => r,
            () = shutdown => {
                warn!("interrupted: cleaning up before exiting");
                Err(Error::Interrupted)
            }
        }
    };

    // The guard: whatever happened above, remove what the run made.
    progress(Progress::Cleaning);
    let cleaned = steps::clean(
        client,
        &CleanInput {
            lambda_arn: input.tuning.lambda_arn.clone(),
            run_id: Some(run_id),
            original: Some(original.clone()),
            temporary_functions: Vec::new(),
        },
    )
    .await;
    let executions = measured?;
    let clean = cleaned?;

    let result = steps::analyze::analyze_sync(&AnalyzeInput {
        input: input.clone(),
        original,
        executions: executions.clone(),
        environment: Some(options.environment.clone()),
    })?;
    let optimize = if input.tuning.auto_optimize {
        let chosen = result.power_tuning.power;
        Some(
            steps::optimize(
                client,
                &OptimizeInput {
                    lambda_arn: input.tuning.lambda_arn.clone(),
                    memory_mb: chosen,
                    alias: input.tuning.auto_optimize_alias.clone(),
                },
            )
            .await?,
        )
    } else {
        None
    };
    let mut invocations: Vec<(ConfigKey, u32)> = executions
        .iter()
        .map(|e| (key_of(&e.configuration), e.invocations))
        .collect();
    invocations.sort();
    Ok(Outcome {
        result,
        clean,
        optimize,
        invocations,
    })
}

async fn measure(
    client: &Client,
    input: &RunInput,
    options: &Options,
    planned: u32,
    progress: &ProgressFn,
) -> Result<Vec<ExecuteOutput>> {
    let init = steps::initialize(client, input).await?;
    progress(Progress::Initialized {
        configurations: init.configurations.clone(),
        planned,
    });
    let limit = options.parallel_configurations.max(1);
    let mut set: JoinSet<Result<ExecuteOutput>> = JoinSet::new();
    let mut pending = init.configurations.into_iter();
    let mut outputs = Vec::new();
    let spawn = |set: &mut JoinSet<Result<ExecuteOutput>>, configuration: TunedConfiguration| {
        let client = client.clone();
        let progress = Arc::clone(progress);
        let execute_input = ExecuteInput {
            input: input.clone(),
            configuration,
        };
        set.spawn(async move {
            let key = key_of(&execute_input.configuration);
            let on_sample = |sample: &Sample| {
                progress(Progress::Sample {
                    key,
                    sample: sample.clone(),
                });
            };
            let out =
                steps::execute::execute_with_progress(&client, &execute_input, &on_sample).await?;
            progress(Progress::ConfigurationDone {
                key,
                invocations: out.invocations,
                stopped_early: out.stopped_early,
            });
            Ok(out)
        });
    };
    for configuration in pending.by_ref().take(limit) {
        spawn(&mut set, configuration);
    }
    while let Some(joined) = set.join_next().await {
        let out = joined.map_err(|e| Error::Lambda {
            operation: "Invoke",
            function: input.tuning.lambda_arn.clone(),
            message: format!("measuring task failed: {e}"),
        })??;
        outputs.push(out);
        if let Some(configuration) = pending.next() {
            spawn(&mut set, configuration);
        }
    }
    Ok(outputs)
}
