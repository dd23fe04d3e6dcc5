//! `powertune coldstart`: force N cold starts per configuration and record Init Duration,
//! first-invocation Duration and Max Memory Used, locally in the embedded emulator or on AWS.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use analyzer::coldstart::{ColdStartConfiguration, ColdStartResult};
use analyzer::result::{FunctionInfo, RunEnvironment, Warning};
use analyzer::units::{Architecture, MemoryMb};
use anyhow::{Context, bail};
use clap::Args;
use serde_json::json;
use tuner::coldstart::{ColdStartEvent, ColdStartOptions, ColdStartRun};

use crate::aws::{AwsArgs, EmulatorClients};
use crate::local_function::LocalFunction;
use crate::output::{Output, Style};
use crate::plan::{Target, TargetArgs, typed};
use crate::table::{Column, Table, Width};
use crate::{environment, tuning};

const AFTER_HELP: &str = "\
Every sample runs on a new execution environment: before each one the function's memory size
and the environment variable POWERTUNE_COLDSTART_NONCE are updated (and the update awaited),
which makes Lambda, and the emulator, replace its environments. The function's memory size and
environment variables are restored afterwards.

Exit codes:
  0  success
  2  error (bad usage, a failed run)

Examples:
  powertune coldstart --local target/release/faulty --env INIT_WORK_MS=50 --memory 512 -n 20 \\
      --save-baseline coldstart-baseline.json
  powertune coldstart --function my-function --region eu-west-1 --memory 512,1024 -n 30
  powertune coldstart --local target/release/cpu-bound --json-lines";

/// Help of the flattened `--local` ([`TargetArgs`]).
const LOCAL_HELP: &str = "Measure the function at PATH in the embedded emulator: a bootstrap executable or a folder holding one";
/// Help of the flattened `--function` ([`AwsArgs`]).
const FUNCTION_HELP: &str =
    "Measure a deployed function (name or ARN), with credentials from the usual AWS chain";
/// Help of the flattened `--endpoint-url` ([`AwsArgs`]).
const ENDPOINT_URL_HELP: &str = "Lambda and CloudWatch Logs endpoint URL to use instead of AWS's";

/// Measure cold starts: locally (--local) or on AWS (--function).
#[derive(Debug, Args)]
#[command(
    after_help = AFTER_HELP,
    mut_arg("local", |a| a.help(LOCAL_HELP)),
    mut_arg("function", |a| a.help(FUNCTION_HELP)),
    mut_arg("endpoint_url", |a| a.help(ENDPOINT_URL_HELP))
)]
pub struct ColdStartArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Environment variable of the local function, KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE", requires = "local")]
    pub env: Vec<String>,
    /// Memory sizes in MB, comma separated [default: the function's own; 1024 locally].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "MB,...",
        value_parser = typed::<MemoryMb>("--memory 512,1024")
    )]
    pub memory: Vec<MemoryMb>,
    /// Architectures, comma separated: x86_64, arm64 (default: the function's own). A
    /// function can only be measured at the architecture it is built for.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ARCH,...",
        value_parser = typed::<Architecture>("--architectures arm64")
    )]
    pub architectures: Vec<Architecture>,
    /// Cold starts per configuration.
    #[arg(short = 'n', long, default_value_t = 20, value_name = "N")]
    pub samples: u32,
    /// The event to send, as JSON.
    #[arg(long, value_name = "JSON")]
    pub payload: Option<String>,
    /// Function error types (`errorType`) that still count as a cold start, comma separated:
    /// the init completed and the handler then failed (say, on a payload it does not expect).
    /// Any other function error stops the run.
    #[arg(long, value_delimiter = ',', value_name = "TYPE,...")]
    pub allowed_exceptions: Vec<String>,
    /// Confidence level of the intervals, between 0 and 1.
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    /// Seed of the bootstrap resampling.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Folder for coldstart.json and the report.
    #[arg(
        long,
        env = "POWERTUNE_OUT",
        default_value = "powertune-out",
        value_name = "DIR"
    )]
    pub out: PathBuf,
    /// Also write the result to FILE, as a baseline for `powertune gate`.
    #[arg(long, value_name = "FILE")]
    pub save_baseline: Option<PathBuf>,
    /// Stream JSON Lines on stdout: one `sample` per cold start, one `configuration` per
    /// configuration, then the `result`.
    #[arg(long)]
    pub json_lines: bool,
}

/// The second parsing stage: validated values.
struct Plan {
    target: Target,
    memory_sizes: Vec<MemoryMb>,
    architectures: Vec<Architecture>,
    options: ColdStartOptions,
    env: Vec<(String, String)>,
}

impl TryFrom<&mut ColdStartArgs> for Plan {
    type Error = anyhow::Error;

    fn try_from(args: &mut ColdStartArgs) -> anyhow::Result<Self> {
        if args.samples == 0 {
            bail!("--samples 0: must be at least 1");
        }
        if !(args.confidence > 0.0 && args.confidence < 1.0) {
            bail!(
                "--confidence {}: must be between 0 and 1, e.g. 0.95",
                args.confidence
            );
        }
        let mut memory_sizes = Vec::new();
        for memory in &args.memory {
            if !memory_sizes.contains(memory) {
                memory_sizes.push(*memory);
            }
        }
        let mut architectures = Vec::new();
        for arch in &args.architectures {
            if !architectures.contains(arch) {
                architectures.push(*arch);
            }
        }
        let payload = match &args.payload {
            Some(text) => {
                let value: serde_json::Value =
                    serde_json::from_str(text).context("--payload is not valid JSON")?;
                Some(serde_json::to_vec(&value)?)
            }
            None => None,
        };
        let mut env = Vec::new();
        for pair in &args.env {
            let (key, value) = pair
                .split_once('=')
                .with_context(|| format!("--env {pair}: write KEY=VALUE"))?;
            if key.is_empty() {
                bail!("--env {pair}: the variable name is empty");
            }
            env.push((key.to_owned(), value.to_owned()));
        }
        Ok(Plan {
            target: Target::try_from(std::mem::take(&mut args.target))?,
            memory_sizes,
            architectures,
            options: ColdStartOptions {
                memory_sizes: Vec::new(),
                samples: args.samples,
                payload,
                confidence: args.confidence,
                seed: args.seed,
                run_id: tuner::steps::initialize::new_run_id(),
                allowed_exceptions: args.allowed_exceptions.clone(),
            },
            env,
        })
    }
}

/// Where the JSON Lines and progress notes go while measuring.
struct Progress<'a> {
    out: &'a Output,
    json_lines: bool,
    name: String,
    samples: u32,
    failed: Mutex<Option<std::io::Error>>,
}

impl Progress<'_> {
    fn emit(&self, kind: &str, data: &serde_json::Value) {
        let line = json!({ "type": kind, "data": data }).to_string();
        let mut stdout = std::io::stdout().lock();
        if let Err(err) = writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
            let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
            failed.get_or_insert(err);
        }
    }

    fn event(&self, event: ColdStartEvent) {
        match event {
            ColdStartEvent::Sample { key, index, sample } => {
                if self.json_lines {
                    self.emit(
                        "sample",
                        &json!({
                            "memory_mb": key.memory_mb,
                            "architecture": key.architecture,
                            "index": index,
                            "sample": sample,
                        }),
                    );
                } else if !self.out.json() {
                    self.out.note(&format!(
                        "{}: {} {} cold start {}/{}: init {:.1} ms",
                        self.name,
                        key.memory_mb,
                        key.architecture,
                        index + 1,
                        self.samples,
                        sample.init_duration_ms
                    ));
                }
            }
            ColdStartEvent::Configuration(configuration) => {
                if self.json_lines {
                    self.emit(
                        "configuration",
                        &serde_json::to_value(&*configuration).unwrap_or_default(),
                    );
                }
            }
        }
    }
}

impl ColdStartArgs {
    /// Runs the command.
    pub fn run(mut self, out: &Output) -> anyhow::Result<ExitCode> {
        let plan = Plan::try_from(&mut self)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let progress = Progress {
            out,
            json_lines: self.json_lines,
            name: tuner::steps::function_name(plan.target.lambda_arn()).to_owned(),
            samples: self.samples,
            failed: Mutex::new(None),
        };
        let result = runtime.block_on(async {
            match plan.target {
                Target::Local(ref function) => run_local(function, &plan, &progress).await,
                Target::Deployed {
                    ref function,
                    ref aws,
                } => run_remote(function, aws, &plan, &progress).await,
            }
        })?;
        self.write(out, &result)
    }

    /// Writes the result's files and prints it.
    fn write(&self, out: &Output, result: &ColdStartResult) -> anyhow::Result<ExitCode> {
        result.check_schema()?;
        let json = serde_json::to_string_pretty(result).context("serializing the result")?;
        std::fs::create_dir_all(&self.out)
            .with_context(|| format!("creating {}", self.out.display()))?;
        let json_path = self.out.join("coldstart.json");
        std::fs::write(&json_path, &json)
            .with_context(|| format!("writing {}", json_path.display()))?;
        let written = write_report(&self.out, result)?;
        if let Some(path) = &self.save_baseline {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(path, &json)
                .with_context(|| format!("writing baseline {}", path.display()))?;
            out.note(&format!("wrote baseline {}", path.display()));
        }
        if self.json_lines {
            let line = json!({ "type": "result", "data": result }).to_string();
            out.print(&line)?;
        } else if out.json() {
            out.print(&json)?;
        } else {
            out.print(&table(out, result))?;
        }
        out.note(&format!(
            "wrote {} and {} more file(s)",
            json_path.display(),
            written
        ));
        Ok(ExitCode::SUCCESS)
    }
}

/// Measures `function` in the embedded emulator.
async fn run_local(
    function: &LocalFunction,
    plan: &Plan,
    progress: &Progress<'_>,
) -> anyhow::Result<ColdStartResult> {
    let host = emulator::registry::host_architecture();
    if let Some(other) = plan.architectures.iter().find(|a| **a != host) {
        bail!(
            "--architectures {other}: this host runs {host}; a local run can only measure {host} (measure {other} on AWS with --function)"
        );
    }
    let emulator = emulator::Emulator::default()
        .start()
        .await
        .context("starting the embedded Lambda emulator")?;
    let result = async {
        function.register(&emulator, &plan.env)?;
        let clients = EmulatorClients::new(&emulator.endpoint_url(), &emulator.config().region);
        let mut warnings = Vec::new();
        if !emulator.isolation().is_isolated() {
            warnings.push(Warning::init_not_throttled());
        }
        let memory_sizes = if plan.memory_sizes.is_empty() {
            vec![MemoryMb::try_from(1024).expect("1024 MB is a valid memory size")]
        } else {
            plan.memory_sizes.clone()
        };
        measure(
            &clients.lambda,
            Some(&clients.logs),
            &function.name,
            plan.options(memory_sizes),
            progress,
            environment::emulator(&emulator),
            warnings,
        )
        .await
    }
    .await;
    emulator.shutdown().await;
    result
}

/// Measures the deployed `function`.
async fn run_remote(
    function: &str,
    aws: &AwsArgs,
    plan: &Plan,
    progress: &Progress<'_>,
) -> anyhow::Result<ColdStartResult> {
    let (config, region) = aws.sdk_config().await?;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let original = tuner::steps::original::read(&lambda, function)
        .await
        .with_context(|| format!("reading the configuration of {function}"))?
        .configuration;
    if let Some(other) = plan
        .architectures
        .iter()
        .find(|a| **a != original.architecture)
    {
        bail!(
            "--architectures {other}: {} is built for {}; deploy an {other} build as its own function and measure that",
            original.function_name,
            original.architecture
        );
    }
    let memory_sizes = if plan.memory_sizes.is_empty() {
        vec![original.memory_mb]
    } else {
        plan.memory_sizes.clone()
    };
    measure(
        &lambda,
        Some(&logs),
        function,
        plan.options(memory_sizes),
        progress,
        environment::aws(region),
        Vec::new(),
    )
    .await
}

impl Plan {
    /// The measurement's options at `memory_sizes`.
    fn options(&self, memory_sizes: Vec<MemoryMb>) -> ColdStartOptions {
        ColdStartOptions {
            memory_sizes,
            ..self.options.clone()
        }
    }
}

/// Runs the measurement and builds the result document.
async fn measure(
    lambda: &aws_sdk_lambda::Client,
    logs: Option<&aws_sdk_cloudwatchlogs::Client>,
    function: &str,
    options: ColdStartOptions,
    progress: &Progress<'_>,
    environment: RunEnvironment,
    mut warnings: Vec<Warning>,
) -> anyhow::Result<ColdStartResult> {
    let callback = |event: ColdStartEvent| progress.event(event);
    let run: ColdStartRun = tuner::coldstart::measure(
        lambda,
        logs,
        function,
        &options,
        &callback,
        tuning::ctrl_c(),
    )
    .await
    .with_context(|| format!("measuring the cold starts of {function}"))?;
    if let Some(err) = progress
        .failed
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        return Err(anyhow::Error::new(err).context("writing JSON Lines to stdout"));
    }
    if !run.allowed_errors.is_empty() {
        warnings.push(Warning::allowed_function_errors(&run.allowed_errors));
    }
    if run.reports_from_logs > 0 {
        warnings.push(Warning::report_from_logs(run.reports_from_logs));
    }
    let original = &run.original.configuration;
    let function = FunctionInfo {
        name: original.function_name.clone(),
        arn: original.function_arn.clone(),
        original_memory_mb: Some(original.memory_mb),
        original_architecture: Some(original.architecture),
    };
    Ok(ColdStartResult::new(
        function,
        environment,
        run.configurations,
        warnings,
    ))
}

/// Writes `coldstart.html` and its charts; returns how many files were written.
fn write_report(dir: &Path, result: &ColdStartResult) -> anyhow::Result<usize> {
    let report = reports::render_coldstart(result).context("rendering the cold-start report")?;
    let mut written = Vec::new();
    crate::render::write_report(dir, report, &mut written)?;
    Ok(written.len())
}

fn with_ci(value: f64, lower: f64, upper: f64) -> String {
    format!("{value:.1} [{lower:.1}, {upper:.1}]")
}

fn row(c: &ColdStartConfiguration) -> [String; 7] {
    let init = &c.init_duration;
    [
        c.key.memory_mb.get().to_string(),
        c.key.architecture.to_string(),
        init.summary.count.to_string(),
        with_ci(
            init.summary.median,
            init.summary.median_ci.lower,
            init.summary.median_ci.upper,
        ),
        with_ci(init.summary.p90, init.p90_ci.lower, init.p90_ci.upper),
        with_ci(init.summary.p99, init.p99_ci.lower, init.p99_ci.upper),
        format!(
            "{:.1} ms / {:.0} MB",
            c.duration.summary.median, c.max_memory_used.summary.median
        ),
    ]
}

/// The human table: p50/p90/p99 Init Duration with their confidence intervals.
fn table(out: &Output, result: &ColdStartResult) -> String {
    let confidence = result
        .configurations
        .first()
        .map_or(0.95, |c| c.init_duration.summary.median_ci.confidence);
    let mut table = Table::new(vec![Column::right(Width::Fit); 7]);
    table.row([
        "memory MB".to_owned(),
        "arch".to_owned(),
        "n".to_owned(),
        format!("init p50 ms [{:.0}% CI]", confidence * 100.0),
        "init p90 ms [CI]".to_owned(),
        "init p99 ms [CI]".to_owned(),
        "p50 duration / memory".to_owned(),
    ]);
    for configuration in &result.configurations {
        table.row(row(configuration));
    }
    let mut text = out.paint(
        &format!("Cold starts of {}", result.function.name),
        Style::Bold,
    );
    text.push('\n');
    text.push_str(&table.render(out));
    for warning in &result.warnings {
        text.push_str(&out.paint(&format!("warning: {}", warning.message), Style::Yellow));
        text.push('\n');
    }
    text
}
