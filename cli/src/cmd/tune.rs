//! `powertune tune`: tune one function, locally in the embedded emulator or on AWS.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use analyzer::result::{ConfigKey, Strategy, TuningResult};
use analyzer::units::{Architecture, MemoryMb};
use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use tuner::steps::RunInput;

use crate::output::Output;
use crate::{render, session};

const AFTER_HELP: &str = "\
Examples:
  powertune tune --local target/release/cpu-bound --memory 128,512,1769 --payload '{\"iterations\": 200000}'
  powertune tune --local ./my-function/ --input power-tuning-input.json --json
  powertune tune --function my-function --region eu-west-1 --num 20 --precision 0.05
  powertune tune --via sfn --state-machine arn:aws:states:eu-west-1:123456789012:stateMachine:powertune --function my-function --no-wait";

/// Help of the flattened `--function` ([`session::AwsArgs`]).
const FUNCTION_HELP: &str =
    "Tune a deployed function (name or ARN), with credentials from the usual AWS chain";
/// Help of the flattened `--endpoint-url` ([`session::AwsArgs`]).
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

/// Tune one function: locally (--local) or on AWS (--function).
#[derive(Debug, Args)]
#[command(
    after_help = AFTER_HELP,
    mut_arg("function", |a| a.help(FUNCTION_HELP)),
    mut_arg("endpoint_url", |a| a.help(ENDPOINT_URL_HELP))
)]
pub struct TuneArgs {
    /// Tune the function at PATH in the embedded emulator: a bootstrap executable or a folder holding one.
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "function",
        required_unless_present = "function"
    )]
    pub local: Option<PathBuf>,
    #[command(flatten)]
    pub aws: session::AwsArgs,
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
    #[arg(long, value_delimiter = ',', value_name = "MB,...")]
    pub memory: Vec<String>,
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
    #[arg(long, value_delimiter = ',', value_name = "ARCH,...")]
    pub architectures: Vec<String>,
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
    #[arg(long, default_value = "powertune-out", value_name = "DIR")]
    pub out: PathBuf,
    /// Average request rate, req/s: adds the recommended configuration's concurrency figures.
    #[arg(long, value_name = "R")]
    pub rps: Option<f64>,
    /// Peak request rate, req/s [default: --rps].
    #[arg(long, value_name = "P", requires = "rps")]
    pub peak_rps: Option<f64>,
}

/// The flags as a validated run input (second parsing stage).
pub fn run_input(args: &TuneArgs, lambda_arn: &str) -> anyhow::Result<RunInput> {
    let mut value = match &args.input {
        Some(path) => {
            let text = if path.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading --input from stdin")?
            } else {
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading --input {}", path.display()))?
            };
            serde_json::from_str::<Value>(&text)
                .with_context(|| format!("--input {}: not JSON", path.display()))?
        }
        None => json!({}),
    };
    let Some(obj) = value.as_object_mut() else {
        bail!("--input: expected a JSON object like {{\"lambdaARN\": \"...\", \"num\": 10}}");
    };
    if args.local.is_some() || !obj.contains_key("lambdaARN") || args.aws.function.is_some() {
        obj.insert("lambdaARN".into(), json!(lambda_arn));
    }
    if let Some(num) = args.num {
        if num < tuner::steps::initialize::MIN_NUM {
            bail!(
                "--num {num}: must be at least {} invocations per configuration",
                tuner::steps::initialize::MIN_NUM
            );
        }
        obj.insert("num".into(), json!(num));
    }
    obj.entry("num").or_insert(json!(10));
    if !args.memory.is_empty() {
        let mut sizes = Vec::new();
        for m in &args.memory {
            let size: MemoryMb = m
                .parse()
                .map_err(|e| anyhow::anyhow!("--memory {m}: {e}; e.g. --memory 128,512,1024"))?;
            sizes.push(size.get());
        }
        obj.insert("powerValues".into(), json!(sizes));
    }
    if let Some(p) = &args.payload {
        let payload: Value = serde_json::from_str(p).with_context(|| {
            format!("--payload {p}: not JSON; quote it, e.g. --payload '{{\"key\": 1}}'")
        })?;
        obj.insert("payload".into(), payload);
    }
    if !args.allowed_exceptions.is_empty() {
        obj.insert("allowedExceptions".into(), json!(args.allowed_exceptions));
    }
    if let Some(s) = args.strategy {
        let strategy = match s {
            StrategyArg::Cost => Strategy::Cost,
            StrategyArg::Speed => Strategy::Speed,
            StrategyArg::Balanced => Strategy::Balanced,
        };
        obj.insert("strategy".into(), json!(strategy));
    }
    if !args.architectures.is_empty() {
        let mut archs = Vec::new();
        for a in &args.architectures {
            let arch: Architecture = a
                .parse()
                .map_err(|e| anyhow::anyhow!("--architectures {a}: {e}"))?;
            archs.push(arch);
        }
        obj.insert("architectures".into(), json!(archs));
    }
    if args.parallel {
        obj.insert("parallelInvocation".into(), json!(true));
    }
    if let Some(width) = args.precision {
        if !(width > 0.0 && width <= 1.0) {
            bail!(
                "--precision {width}: must be above 0 and at most 1, e.g. 0.05 for a CI 5% of the mean wide"
            );
        }
        obj.insert(
            "precision".into(),
            json!({"relativeWidth": width, "confidence": 0.95, "minSamples": args.min_samples}),
        );
    }
    let input: RunInput = serde_json::from_value(value).context("the tuning input")?;
    tuner::steps::initialize::validate(&input)?;
    Ok(input)
}

impl TuneArgs {
    /// Runs the command.
    pub fn run(self, out: &Output) -> anyhow::Result<ExitCode> {
        if self.parallel_configurations == 0 {
            bail!("--parallel-configurations 0: must be at least 1");
        }
        if self.via == ViaArg::Local && (self.state_machine.is_some() || self.no_wait) {
            bail!("--state-machine and --no-wait apply to Step Functions runs: add --via sfn");
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let ran = runtime.block_on(async {
            if self.via == ViaArg::Sfn {
                let function = self
                    .aws
                    .function
                    .clone()
                    .context("--via sfn needs --function")?;
                let machine = self
                    .state_machine
                    .as_deref()
                    .context("--via sfn needs --state-machine ARN")?;
                let input = run_input(&self, &function)?;
                let (config, _) = self.aws.sdk_config().await?;
                let client = aws_sdk_sfn::Client::new(&config);
                let arn = start_execution(&client, machine, &input).await?;
                if self.no_wait {
                    return Ok::<_, anyhow::Error>(Ran::Started(arn));
                }
                out.note(&format!("started execution {arn}"));
                let result = wait_execution(out, &client, &arn).await?;
                let invocations = result
                    .configurations
                    .iter()
                    .map(|c| (c.key, u32::try_from(c.samples.len()).unwrap_or(u32::MAX)))
                    .collect();
                Ok(Ran::Done(function, Box::new(result), invocations))
            } else if let Some(path) = &self.local {
                let function = session::resolve_local(path, None)?;
                let input = run_input(&self, &function.name)?;
                let mut outcomes =
                    session::tune_local(out, vec![(function, input)], self.parallel_configurations)
                        .await?;
                let (name, outcome) = outcomes.pop().context("the run produced no result")?;
                Ok(Ran::Done(
                    name,
                    Box::new(outcome.result),
                    outcome.invocations,
                ))
            } else {
                let function = self
                    .aws
                    .function
                    .clone()
                    .context("--function or --local is required")?;
                let input = run_input(&self, &function)?;
                let (config, region) = self.aws.sdk_config().await?;
                let client = aws_sdk_lambda::Client::new(&config);
                let outcome =
                    session::tune_remote(out, input, &client, region, self.parallel_configurations)
                        .await?;
                Ok(Ran::Done(
                    function,
                    Box::new(outcome.result),
                    outcome.invocations,
                ))
            }
        })?;
        let (title, mut result, invocations) = match ran {
            Ran::Done(title, result, invocations) => (title, result, invocations),
            Ran::Started(arn) => {
                if out.json() {
                    out.print(&serde_json::to_string_pretty(
                        &json!({"executionArn": arn}),
                    )?)?;
                } else {
                    out.print(&arn)?;
                }
                return Ok(ExitCode::SUCCESS);
            }
        };
        if let Some(rps) = self.rps {
            result.concurrency = Some(concurrency(&result, rps, self.peak_rps.unwrap_or(rps))?);
        }
        if out.json() {
            out.print(&serde_json::to_string_pretty(&result)?)?;
        } else {
            out.print(&render::table(out, &title, &result, &invocations))?;
        }
        let written = render::write_files(&self.out, &result)?;
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

/// How a run ended.
enum Ran {
    /// With a result: the title, the result and the invocations per configuration.
    Done(String, Box<TuningResult>, Vec<(ConfigKey, u32)>),
    /// With `--no-wait`: the execution ARN.
    Started(String),
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
