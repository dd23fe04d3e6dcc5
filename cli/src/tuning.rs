//! Running a tuning: against the in-process emulator or a real endpoint, with progress on
//! stderr and the clean step guaranteed on Ctrl-C.

use anyhow::Context;
use tuner::local::{Options, Outcome};
use tuner::steps::RunInput;

use crate::aws::EmulatorClients;
use crate::local_function::LocalFunction;
use crate::output::{Output, Style};
use crate::progress::progress;

/// Ctrl-C, as a future the orchestrator races against (pending forever without a handler).
pub async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handler: never interrupt.
        std::future::pending::<()>().await;
    }
}

/// Tunes each `(function, input)` in turn on one in-process emulator. The input's
/// `lambdaARN` is replaced with the registered name.
///
/// # Errors
///
/// When the emulator cannot start, a function cannot be registered, or a run fails.
pub async fn tune_local(
    out: &Output,
    runs: Vec<(LocalFunction, RunInput)>,
    parallel_configurations: usize,
) -> anyhow::Result<Vec<(String, Outcome)>> {
    let emulator = emulator::Emulator::default()
        .start()
        .await
        .context("starting the embedded Lambda emulator")?;
    let result = async {
        let region = emulator.config().region.clone();
        let client = EmulatorClients::new(&emulator.endpoint_url(), &region).lambda;
        if !emulator.isolation().is_isolated() {
            out.note_in(
                "warning: no writable cgroups: durations are not limited to each memory size's CPU share",
                Style::Yellow,
            );
        }
        let mut outcomes = Vec::new();
        for (function, mut input) in runs {
            function.register(&emulator, &[])?;
            input.tuning.lambda_arn = function.name.clone();
            let options = Options {
                parallel_configurations,
                environment: crate::environment::emulator(&emulator),
            };
            let (progress, bars) = progress(out, &function.name);
            let outcome = tuner::local::run(&client, input, &options, progress, ctrl_c()).await;
            bars.finish();
            let outcome = outcome.with_context(|| format!("tuning {}", function.name))?;
            outcomes.push((function.name.clone(), outcome));
        }
        Ok(outcomes)
    }
    .await;
    emulator.shutdown().await;
    result
}

/// Tunes a real function through aws-config's ordinary chain.
///
/// # Errors
///
/// When the run fails.
pub async fn tune_remote(
    out: &Output,
    input: RunInput,
    client: &aws_sdk_lambda::Client,
    region: String,
    parallel_configurations: usize,
) -> anyhow::Result<Outcome> {
    let name = tuner::steps::function_name(&input.tuning.lambda_arn).to_owned();
    let options = Options {
        parallel_configurations,
        environment: crate::environment::aws(region),
    };
    let (progress, bars) = progress(out, &name);
    let outcome = tuner::local::run(client, input, &options, progress, ctrl_c()).await;
    bars.finish();
    outcome.with_context(|| format!("tuning {name}"))
}
