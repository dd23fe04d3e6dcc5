//! `powertune tune`: tune one function, locally in the embedded emulator or on AWS.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use analyzer::result::{ConfigKey, PowerValues, SamplingPrecision, Strategy, TuningResult};
use analyzer::units::{Architecture, MemoryMb};
use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde_json::json;
use tuner::steps::RunInput;
use tuner::steps::initialize::MIN_NUM;

use crate::output::Output;
use crate::plan::{self, Target, TargetArgs, typed};
use crate::{render, tuning};

const AFTER_HELP: &str = "\
Examples:
  powertune tune --local target/release/cpu-bound --memory 128,512,1769 --payload '{\"iterations\": 200000}'
  powertune tune --local ./my-function/ --input power-tuning-input.json --json
  powertune tune --function my-function --region eu-west-1 --num 20 --precision 0.05
  powertune tune --via sfn --state-machine arn:aws:states:eu-west-1:123456789012:stateMachine:powertune --function my-function --no-wait";

/// Help of the flattened `--function` ([`crate::aws::AwsArgs`]).
const FUNCTION_HELP: &str =
    "Tune a deployed function (name or ARN), with credentials from the usual AWS chain";
/// Help of the flattened `--endpoint-url` ([`crate::aws::AwsArgs`]).
const ENDPOINT_URL_HELP: &str =
    "Lambda (or, with --via sfn, Step Functions) endpoint URL to use instead of AWS's";

/// Strategy names as aws-lambda-power-tuning spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Cheapest average cost per invocation.
    Cost,
    /// Fastest average duration.
    Speed,
    /// Weighted mix of cost and duration.
    Balanced,
}

/// Where a `--function` run executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViaArg {
    /// In this process (the embedded emulator with --local, else the Lambda API).
    Local,
    /// As an execution of the deployed powertune Step Functions state machine (--state-machine).
    Sfn,
}

/// Help of the flattened `--local` ([`TargetArgs`]).
const LOCAL_HELP: &str = "Tune the function at PATH in the embedded emulator: a bootstrap executable or a folder holding one";

impl From<StrategyArg> for Strategy {
    fn from(value: StrategyArg) -> Self {
        match value {
            StrategyArg::Cost => Strategy::Cost,
            StrategyArg::Speed => Strategy::Speed,
            StrategyArg::Balanced => Strategy::Balanced,
        }
    }
}

/// Tune one function: locally (--local) or on AWS (--function).
#[derive(Debug, Args)]
#[command(
    after_help = AFTER_HELP,
    mut_arg("local", |a| a.help(LOCAL_HELP)),
    mut_arg("function", |a| a.help(FUNCTION_HELP)),
    mut_arg("endpoint_url", |a| a.help(ENDPOINT_URL_HELP))
)]
pub struct TuneArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Run the tuning here (local) or as a Step Functions execution (sfn, needs --state-machine and --function).
    #[arg(
        long,
        value_enum,
        default_value_t = ViaArg::Local,
        requires_ifs = [("sfn", "state_machine"), ("sfn", "function")]
    )]
    pub via: ViaArg,
    /// ARN of the deployed powertune state machine, with --via sfn.
    #[arg(long, value_name = "ARN", conflicts_with = "local")]
    pub state_machine: Option<String>,
    /// With --via sfn: print the execution ARN and exit instead of waiting for the result.
    #[arg(long, conflicts_with = "local")]
    pub no_wait: bool,
    /// An aws-lambda-power-tuning execution input (JSON file, - for stdin); flags override its fields.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Memory sizes in MB, comma separated [default: 128,256,512,1024,1536,3008].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "MB,...",
        value_parser = typed::<MemoryMb>("--memory 128,512,1024")
    )]
    pub memory: Vec<MemoryMb>,
    /// Invocations per configuration, at least 5 [default: 10].
    #[arg(long)]
    pub num: Option<u32>,
    /// The event to send, as JSON.
    #[arg(long, value_name = "JSON")]
    pub payload: Option<String>,
    /// Function error types (`errorType`) that do not fail the run, comma separated
    /// (the input's `allowedExceptions`).
    #[arg(long, value_delimiter = ',', value_name = "TYPE,...")]
    pub allowed_exceptions: Vec<String>,
    /// Strategy whose pick is the aws-lambda-power-tuning `power` [default: cost].
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,
    /// Architectures to compare, comma separated: x86_64, arm64 (default: the function's own).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ARCH,...",
        value_parser = typed::<Architecture>("--architectures x86_64,arm64")
    )]
    pub architectures: Vec<Architecture>,
    /// Invoke each configuration's samples in parallel rather than one after another.
    #[arg(long)]
    pub parallel: bool,
    /// Configurations measured at the same time.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub parallel_configurations: usize,
    /// Adaptive sampling: stop once the 95% CI of the mean duration is narrower than this fraction of the mean (e.g. 0.05).
    #[arg(long, value_name = "FRACTION")]
    pub precision: Option<f64>,
    /// Fewest samples before adaptive sampling may stop.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub min_samples: u32,
    /// Folder for result.json and the reports.
    #[arg(
        long,
        env = "POWERTUNE_OUT",
        default_value = "powertune-out",
        value_name = "DIR"
    )]
    pub out: PathBuf,
    /// Average request rate, req/s: adds the recommended configuration's concurrency figures.
    #[arg(long, value_name = "R")]
    pub rps: Option<f64>,
    /// Peak request rate, req/s [default: --rps].
    #[arg(long, value_name = "P", requires = "rps")]
    pub peak_rps: Option<f64>,
}

impl TuneArgs {
    /// The execution input: `--input` (or the defaults) for `lambda_arn`, with the flags
    /// applied to its typed fields, validated.
    fn run_input(&self, lambda_arn: &str) -> anyhow::Result<RunInput> {
        let mut input = plan::execution_input(self.input.as_deref(), lambda_arn)?;
        let tuning = &mut input.tuning;
        if let Some(num) = self.num {
            if num < MIN_NUM {
                bail!("--num {num}: must be at least {MIN_NUM} invocations per configuration");
            }
            tuning.num = num;
        }
        if !self.memory.is_empty() {
            tuning.power_values = Some(PowerValues::List(
                self.memory.iter().map(|m| m.get()).collect(),
            ));
        }
        if let Some(p) = &self.payload {
            tuning.payload = Some(serde_json::from_str(p).with_context(|| {
                format!("--payload {p}: not JSON; quote it, e.g. --payload '{{\"key\": 1}}'")
            })?);
        }
        if let Some(strategy) = self.strategy {
            tuning.strategy = strategy.into();
        }
        if !self.architectures.is_empty() {
            tuning.architectures.clone_from(&self.architectures);
        }
        if self.parallel {
            tuning.parallel_invocation = true;
        }
        if let Some(width) = self.precision {
            if !(width > 0.0 && width <= 1.0) {
                bail!(
                    "--precision {width}: must be above 0 and at most 1, e.g. 0.05 for a CI 5% of the mean wide"
                );
            }
            tuning.precision = Some(SamplingPrecision {
                relative_width: width,
                confidence: 0.95,
                min_samples: self.min_samples,
            });
        }
        if !self.allowed_exceptions.is_empty() {
            input
                .allowed_exceptions
                .clone_from(&self.allowed_exceptions);
        }
        tuner::steps::initialize::validate(&input)?;
        Ok(input)
    }
}

/// Where a tuning runs.
#[derive(Debug)]
enum Via {
    /// In this process.
    Here,
    /// As an execution of the state machine `state_machine`; `wait` for its result.
    Sfn { state_machine: String, wait: bool },
}

/// A validated tuning (the second parsing stage).
#[derive(Debug)]
struct Plan {
    target: Target,
    input: RunInput,
    via: Via,
    parallel_configurations: usize,
    out: PathBuf,
    /// Average and peak request rates, for concurrency figures.
    rates: Option<(f64, f64)>,
}

impl TryFrom<TuneArgs> for Plan {
    type Error = anyhow::Error;

    fn try_from(mut args: TuneArgs) -> anyhow::Result<Self> {
        if args.parallel_configurations == 0 {
            bail!("--parallel-configurations 0: must be at least 1");
        }
        let via = match (args.via, &args.state_machine) {
            (ViaArg::Sfn, Some(machine)) => Via::Sfn {
                state_machine: machine.clone(),
                wait: !args.no_wait,
            },
            (ViaArg::Sfn, None) => bail!("--via sfn needs --state-machine ARN"),
            (ViaArg::Local, None) if !args.no_wait => Via::Here,
            (ViaArg::Local, _) => {
                bail!("--state-machine and --no-wait apply to Step Functions runs: add --via sfn")
            }
        };
        let target = Target::try_from(std::mem::take(&mut args.target))?;
        let input = args.run_input(target.lambda_arn())?;
        Ok(Plan {
            target,
            input,
            via,
            parallel_configurations: args.parallel_configurations,
            out: args.out,
            rates: args.rps.map(|rps| (rps, args.peak_rps.unwrap_or(rps))),
        })
    }
}

impl TuneArgs {
    /// Runs the command.
    pub fn run(self, out: &Output) -> anyhow::Result<ExitCode> {
        let Plan {
            target,
            input,
            via,
            parallel_configurations,
            out: dir,
            rates,
        } = Plan::try_from(self)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let ran = runtime.block_on(async {
            match via {
                Via::Here => tune_here(out, target, input, parallel_configurations).await,
                Via::Sfn {
                    state_machine,
                    wait,
                } => tune_via_sfn(out, target, input, &state_machine, wait).await,
            }
        })?;
        let Some(Ran {
            title,
            mut result,
            invocations,
        }) = ran
        else {
            return Ok(ExitCode::SUCCESS);
        };
        if let Some((rps, peak_rps)) = rates {
            result.concurrency = Some(concurrency(&result, rps, peak_rps)?);
        }
        if out.json() {
            out.print(&serde_json::to_string_pretty(&result)?)?;
        } else {
            out.print(&render::table(out, &title, &result, &invocations))?;
        }
        let written = render::write_files(&dir, &result)?;
        if let Some(first) = written.first() {
            out.note(&format!(
                "wrote {} and {} more file(s)",
                first.display(),
                written.len() - 1
            ));
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// A finished run: the title, the result and the invocations per configuration.
struct Ran {
    title: String,
    result: Box<TuningResult>,
    invocations: Vec<(ConfigKey, u32)>,
}

/// Tunes in this process: in the embedded emulator, or against the Lambda API.
async fn tune_here(
    out: &Output,
    target: Target,
    input: RunInput,
    parallel_configurations: usize,
) -> anyhow::Result<Option<Ran>> {
    match target {
        Target::Local(function) => {
            let mut outcomes =
                tuning::tune_local(out, vec![(function, input)], parallel_configurations).await?;
            let (title, outcome) = outcomes.pop().context("the run produced no result")?;
            Ok(Some(Ran {
                title,
                result: Box::new(outcome.result),
                invocations: outcome.invocations,
            }))
        }
        Target::Deployed { function, aws } => {
            let (config, region) = aws.sdk_config().await?;
            let client = aws_sdk_lambda::Client::new(&config);
            let outcome =
                tuning::tune_remote(out, input, &client, region, parallel_configurations).await?;
            Ok(Some(Ran {
                title: function,
                result: Box::new(outcome.result),
                invocations: outcome.invocations,
            }))
        }
    }
}

/// Tunes as an execution of the deployed state machine; with `wait`, returns its result,
/// otherwise prints the execution ARN and returns `None`.
async fn tune_via_sfn(
    out: &Output,
    target: Target,
    input: RunInput,
    machine: &str,
    wait: bool,
) -> anyhow::Result<Option<Ran>> {
    let Target::Deployed { function, aws } = target else {
        bail!("--via sfn needs --function");
    };
    let (config, _) = aws.sdk_config().await?;
    let client = aws_sdk_sfn::Client::new(&config);
    let arn = start_execution(&client, machine, &input).await?;
    if !wait {
        if out.json() {
            out.print(&serde_json::to_string_pretty(
                &json!({"executionArn": arn}),
            )?)?;
        } else {
            out.print(&arn)?;
        }
        return Ok(None);
    }
    out.note(&format!("started execution {arn}"));
    let result = wait_execution(out, &client, &arn).await?;
    let invocations = result
        .configurations
        .iter()
        .map(|c| (c.key, u32::try_from(c.samples.len()).unwrap_or(u32::MAX)))
        .collect();
    Ok(Some(Ran {
        title: function,
        result: Box::new(result),
        invocations,
    }))
}

/// Starts an execution of `machine` with `input` as its input; returns the execution ARN.
async fn start_execution(
    client: &aws_sdk_sfn::Client,
    machine: &str,
    input: &RunInput,
) -> anyhow::Result<String> {
    let output = client
        .start_execution()
        .state_machine_arn(machine)
        .input(serde_json::to_string(input)?)
        .send()
        .await
        .map_err(aws_sdk_sfn::Error::from)
        .with_context(|| format!("--state-machine {machine}: StartExecution failed; check the ARN, region and credentials"))?;
    Ok(output.execution_arn().to_owned())
}

/// Polls `DescribeExecution` with backoff until the execution ends, with one progress line
/// on stderr per change in finished tasks and Map iterations, and returns the parsed result.
///
/// # Errors
///
/// When a call fails, the output is no `TuningResult`, or the execution failed, timed out or
/// was aborted (with its error and cause).
async fn wait_execution(
    out: &Output,
    client: &aws_sdk_sfn::Client,
    arn: &str,
) -> anyhow::Result<TuningResult> {
    use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
    let mut delay = Duration::from_secs(1);
    let mut last = (0, 0);
    loop {
        let described = client
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .map_err(aws_sdk_sfn::Error::from)
            .with_context(|| format!("DescribeExecution of {arn}"))?;
        let mut tasks = 0;
        let mut iterations = 0;
        let mut pages = client
            .get_execution_history()
            .execution_arn(arn)
            .into_paginator()
            .items()
            .send();
        while let Some(event) = pages.next().await {
            let event = event
                .map_err(aws_sdk_sfn::Error::from)
                .with_context(|| format!("GetExecutionHistory of {arn}"))?;
            match event.r#type() {
                HistoryEventType::TaskStateExited => tasks += 1,
                HistoryEventType::MapIterationSucceeded => iterations += 1,
                _ => {}
            }
        }
        if (tasks, iterations) != last {
            last = (tasks, iterations);
            out.note(&format!(
                "{}: {tasks} task(s) finished, {iterations} configuration(s) measured",
                described.status()
            ));
        }
        match described.status() {
            ExecutionStatus::Running | ExecutionStatus::PendingRedrive => {}
            ExecutionStatus::Succeeded => {
                let output = described
                    .output()
                    .with_context(|| format!("execution {arn} succeeded without an output"))?;
                let result = serde_json::from_str(output).with_context(|| {
                    format!("execution {arn}: its output is not a powertune TuningResult")
                })?;
                return Ok(result);
            }
            status => bail!(
                "execution {arn} {status}: {}: {}",
                described.error().unwrap_or("no error"),
                described.cause().unwrap_or("no cause")
            ),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Concurrency figures of the configuration the run's strategy recommends, at `rps` average
/// and `peak_rps` peak requests per second.
fn concurrency(
    result: &analyzer::result::TuningResult,
    rps: f64,
    peak_rps: f64,
) -> anyhow::Result<analyzer::concurrency::ConcurrencyFigures> {
    use analyzer::concurrency::{ConcurrencyInput, DurationProfile, HOURS_PER_MONTH, Traffic};
    let pick = result
        .recommendations
        .overall
        .iter()
        .find(|r| r.strategy == result.input.strategy)
        .or_else(|| result.recommendations.overall.first())
        .context("the run recommends no configuration")?;
    let config = result
        .configurations
        .iter()
        .find(|c| c.key == pick.key)
        .context("the recommended configuration has no measurements")?;
    let samples = config.samples.len().max(1) as f64;
    let input = ConcurrencyInput {
        key: pick.key,
        region: result.environment.region.clone(),
        traffic: Traffic::Rates {
            average_rps: rps,
            peak_rps,
        },
        duration: DurationProfile::from_summary(&config.duration),
        cold_start_rate: (f64::from(config.cold_starts) / samples).min(1.0),
        init_duration_ms: config.init_duration.as_ref().map_or(0.0, |s| s.mean),
        downstream_limit: None,
        cold_start_share_to_remove: 0.9,
        hours_per_month: HOURS_PER_MONTH,
    };
    analyzer::concurrency::concurrency_figures(&input, analyzer::pricing::PriceTable::builtin())
        .with_context(|| format!("--rps {rps} --peak-rps {peak_rps}"))
}
