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
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use clap::Args;
use serde_json::json;
use tuner::coldstart::{ColdStartEvent, ColdStartOptions, ColdStartRun};

use crate::output::{Output, Style};
use crate::session;

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

/// Help of the flattened `--function` ([`session::AwsArgs`]).
const FUNCTION_HELP: &str =
    "Measure a deployed function (name or ARN), with credentials from the usual AWS chain";
/// Help of the flattened `--endpoint-url` ([`session::AwsArgs`]).
const ENDPOINT_URL_HELP: &str = "Lambda and CloudWatch Logs endpoint URL to use instead of AWS's";

/// Measure cold starts: locally (--local) or on AWS (--function).
#[derive(Debug, Args)]
#[command(
    after_help = AFTER_HELP,
    mut_arg("function", |a| a.help(FUNCTION_HELP)),
    mut_arg("endpoint_url", |a| a.help(ENDPOINT_URL_HELP))
)]
pub struct ColdStartArgs {
    /// Measure the function at PATH in the embedded emulator: a bootstrap executable or a folder holding one.
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "function",
        required_unless_present = "function"
    )]
    pub local: Option<PathBuf>,
    #[command(flatten)]
    pub aws: session::AwsArgs,
    /// Environment variable of the local function, KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE", requires = "local")]
    pub env: Vec<String>,
    /// Memory sizes in MB, comma separated [default: the function's own; 1024 locally].
    #[arg(long, value_delimiter = ',', value_name = "MB,...")]
    pub memory: Vec<String>,
    /// Architectures, comma separated: x86_64, arm64 (default: the function's own). A
    /// function can only be measured at the architecture it is built for.
    #[arg(long, value_delimiter = ',', value_name = "ARCH,...")]
    pub architectures: Vec<String>,
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
    #[arg(long, default_value = "powertune-out", value_name = "DIR")]
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
    memory_sizes: Vec<MemoryMb>,
    architectures: Vec<Architecture>,
    payload: Option<Vec<u8>>,
    env: Vec<(String, String)>,
}

fn plan(args: &ColdStartArgs) -> anyhow::Result<Plan> {
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
    for text in &args.memory {
        let memory: MemoryMb = text.parse().with_context(|| format!("--memory {text}"))?;
        if !memory_sizes.contains(&memory) {
            memory_sizes.push(memory);
        }
    }
    let mut architectures = Vec::new();
    for text in &args.architectures {
        let arch: Architecture = text
            .parse()
            .with_context(|| format!("--architectures {text}"))?;
        if !architectures.contains(&arch) {
            architectures.push(arch);
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
        memory_sizes,
        architectures,
        payload,
        env,
    })
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
    pub fn run(self, out: &Output) -> anyhow::Result<ExitCode> {
        let plan = plan(&self)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let progress = Progress {
            out,
            json_lines: self.json_lines,
            name: String::new(),
            samples: self.samples,
            failed: Mutex::new(None),
        };
        let result = runtime.block_on(async {
            if let Some(path) = &self.local {
                self.run_local(path, &plan, progress).await
            } else {
                self.run_remote(&plan, progress).await
            }
        })?;
        result.check_schema()?;
        let json = serde_json::to_string_pretty(&result).context("serializing the result")?;
        std::fs::create_dir_all(&self.out)
            .with_context(|| format!("creating {}", self.out.display()))?;
        let json_path = self.out.join("coldstart.json");
        std::fs::write(&json_path, &json)
            .with_context(|| format!("writing {}", json_path.display()))?;
        let written = write_report(&self.out, &result)?;
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
            out.print(&table(out, &result))?;
        }
        out.note(&format!(
            "wrote {} and {} more file(s)",
            json_path.display(),
            written
        ));
        Ok(ExitCode::SUCCESS)
    }

    async fn run_local(
        &self,
        path: &Path,
        plan: &Plan,
        mut progress: Progress<'_>,
    ) -> anyhow::Result<ColdStartResult> {
        let function = session::resolve_local(path, None)?;
        let host = emulator::registry::host_architecture();
        if let Some(other) = plan.architectures.iter().find(|a| **a != host) {
            bail!(
                "--architectures {other}: this host runs {host}; a local run can only measure {host} (measure {other} on AWS with --function)"
            );
        }
        progress.name.clone_from(&function.name);
        let emulator = emulator::Emulator::default()
            .start()
            .await
            .context("starting the embedded Lambda emulator")?;
        let result = async {
            let region = emulator.config().region.clone();
            let endpoint = emulator.endpoint_url();
            let mut new = emulator::registry::NewFunction::new(&function.name, &function.dir)
                .timeout(session::LOCAL_TIMEOUT);
            for (key, value) in &plan.env {
                new = new.env(key, value);
            }
            emulator
                .registry()
                .register_folder(new)
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(|| {
                    format!(
                        "registering {} from {}",
                        function.name,
                        function.dir.display()
                    )
                })?;
            let lambda = session::emulator_client(&endpoint, &region);
            let logs = logs_client_for_emulator(&endpoint, &region);
            let isolation = emulator.isolation().as_str().to_owned();
            let mut warnings = Vec::new();
            if isolation == "none" {
                warnings.push(Warning {
                    code: "cpu-not-throttled".into(),
                    message: "no writable cgroups: init durations are not limited to each memory size's CPU share".into(),
                });
            }
            let memory_sizes = if plan.memory_sizes.is_empty() {
                vec![MemoryMb::try_from(1024).expect("1024 MB is a valid memory size")]
            } else {
                plan.memory_sizes.clone()
            };
            let environment = RunEnvironment {
                backend: "emulator".into(),
                region,
                powertune_version: env!("CARGO_PKG_VERSION").into(),
                host_architecture: Some(host),
                host_cpus: std::thread::available_parallelism()
                    .ok()
                    .and_then(|n| u32::try_from(n.get()).ok()),
                isolation: Some(isolation),
                started_at: Some(session::now_rfc3339()),
            };
            measure(
                &lambda,
                Some(&logs),
                &function.name,
                self.options(plan, memory_sizes),
                &progress,
                environment,
                warnings,
            )
            .await
        }
        .await;
        emulator.shutdown().await;
        result
    }

    async fn run_remote(
        &self,
        plan: &Plan,
        mut progress: Progress<'_>,
    ) -> anyhow::Result<ColdStartResult> {
        let function = self
            .aws
            .function
            .clone()
            .context("--function or --local is required")?;
        progress.name = tuner::steps::function_name(&function).to_owned();
        let (config, region) = self.aws.sdk_config().await?;
        let lambda = aws_sdk_lambda::Client::new(&config);
        let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
        let original = tuner::coldstart::read_settings(&lambda, &function)
            .await
            .with_context(|| format!("reading the configuration of {function}"))?;
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
            vec![MemoryMb::try_from(original.memory_mb).context("the function's memory size")?]
        } else {
            plan.memory_sizes.clone()
        };
        let environment = RunEnvironment {
            backend: "aws".into(),
            region,
            powertune_version: env!("CARGO_PKG_VERSION").into(),
            host_architecture: None,
            host_cpus: None,
            isolation: None,
            started_at: Some(session::now_rfc3339()),
        };
        measure(
            &lambda,
            Some(&logs),
            &function,
            self.options(plan, memory_sizes),
            &progress,
            environment,
            Vec::new(),
        )
        .await
    }

    fn options(&self, plan: &Plan, memory_sizes: Vec<MemoryMb>) -> ColdStartOptions {
        ColdStartOptions {
            memory_sizes,
            samples: self.samples,
            payload: plan.payload.clone(),
            confidence: self.confidence,
            seed: self.seed,
            run_id: tuner::steps::initialize::new_run_id(),
            allowed_exceptions: self.allowed_exceptions.clone(),
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
        session::ctrl_c(),
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
        let counts: Vec<String> = run
            .allowed_errors
            .iter()
            .map(|(error_type, count)| format!("{count} x {error_type}"))
            .collect();
        warnings.push(Warning {
            code: "allowed-function-errors".into(),
            message: format!(
                "invocations ended in allowed function errors ({}); their Init Durations are \
                 counted, their Durations are those of a failed handler",
                counts.join(", ")
            ),
        });
    }
    if run.reports_from_logs > 0 {
        warnings.push(Warning {
            code: "report-from-logs".into(),
            message: format!(
                "{} REPORT record(s) were cut from the log tail and read from CloudWatch Logs",
                run.reports_from_logs
            ),
        });
    }
    let function = FunctionInfo {
        name: run.original.function_name.clone(),
        arn: run.original.function_arn.clone(),
        original_memory_mb: Some(run.original.memory_mb),
        original_architecture: Some(run.original.architecture),
    };
    Ok(ColdStartResult::new(
        function,
        environment,
        run.configurations,
        warnings,
    ))
}

/// A CloudWatch Logs client for the emulator (which serves the Logs API on its endpoint).
fn logs_client_for_emulator(endpoint: &str, region: &str) -> aws_sdk_cloudwatchlogs::Client {
    let config = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("local", "local", None, None, "powertune"))
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(config)
}

/// Writes `coldstart.html` and its charts; returns how many files were written.
fn write_report(dir: &Path, result: &ColdStartResult) -> anyhow::Result<usize> {
    let report = reports::render_coldstart(result).context("rendering the cold-start report")?;
    let html_path = dir.join("coldstart.html");
    std::fs::write(&html_path, report.html)
        .with_context(|| format!("writing {}", html_path.display()))?;
    let mut written = 1;
    for (name, png) in report.pngs {
        let path = dir.join(format!("coldstart-{name}"));
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        written += 1;
    }
    Ok(written)
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
    let header = [
        "memory MB".to_owned(),
        "arch".to_owned(),
        "n".to_owned(),
        format!("init p50 ms [{:.0}% CI]", confidence * 100.0),
        "init p90 ms [CI]".to_owned(),
        "init p99 ms [CI]".to_owned(),
        "p50 duration / memory".to_owned(),
    ];
    let rows: Vec<[String; 7]> = result.configurations.iter().map(row).collect();
    let mut widths = header.clone().map(|h| h.len());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: &[String; 7]| {
        cells
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:>w$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut text = out.paint(
        &format!("Cold starts of {}", result.function.name),
        Style::Bold,
    );
    text.push('\n');
    text.push_str(&line(&header));
    text.push('\n');
    for r in &rows {
        text.push_str(&line(r));
        text.push('\n');
    }
    for warning in &result.warnings {
        text.push_str(&out.paint(&format!("warning: {}", warning.message), Style::Yellow));
        text.push('\n');
    }
    text
}
