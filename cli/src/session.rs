//! Running a tuning: against the in-process emulator or a real endpoint, with progress on
//! stderr and the clean step guaranteed on Ctrl-C.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use analyzer::result::{ConfigKey, RunEnvironment};
use anyhow::{Context, bail};
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tuner::local::{Options, Outcome, Progress, ProgressFn};
use tuner::steps::RunInput;

use crate::output::Output;

/// Timeout given to local functions: generous, because 128 MB gets a small CPU share.
pub const LOCAL_TIMEOUT: Duration = Duration::from_secs(120);

/// A function found on disk: a folder holding `bootstrap`.
#[derive(Debug)]
pub struct LocalFunction {
    /// Name to register it under.
    pub name: String,
    /// Folder holding `bootstrap`.
    pub dir: PathBuf,
    /// Keeps a temporary folder (holding a `bootstrap` link) alive while needed.
    _temp: Option<tempfile::TempDir>,
}

/// Resolves PATH: a folder holding `bootstrap`, a file named `bootstrap`, or any executable
/// (linked as `bootstrap` into a temporary folder).
///
/// # Errors
///
/// When PATH does not exist or holds no bootstrap.
pub fn resolve_local(path: &Path, name: Option<&str>) -> anyhow::Result<LocalFunction> {
    let meta = std::fs::metadata(path).with_context(|| {
        format!(
            "reading --local {}: give a bootstrap executable or a folder holding one",
            path.display()
        )
    })?;
    let canonical = path
        .canonicalize()
        .with_context(|| format!("resolving {}", path.display()))?;
    let (dir, temp, stem) = if meta.is_dir() {
        if !canonical.join("bootstrap").is_file() {
            bail!(
                "--local {}: the folder holds no `bootstrap` executable; build one or point at the executable itself",
                path.display()
            );
        }
        let stem = canonical
            .file_name()
            .map(|s| s.to_string_lossy().into_owned());
        (canonical.clone(), None, stem)
    } else if canonical.file_name().is_some_and(|n| n == "bootstrap") {
        let dir = canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let stem = dir.file_name().map(|s| s.to_string_lossy().into_owned());
        (dir, None, stem)
    } else {
        let temp = tempfile::Builder::new()
            .prefix("powertune-fn-")
            .tempdir()
            .context("creating a temporary folder for the bootstrap link")?;
        std::os::unix::fs::symlink(&canonical, temp.path().join("bootstrap"))
            .with_context(|| format!("linking {} as bootstrap", canonical.display()))?;
        let stem = canonical
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        (temp.path().to_path_buf(), Some(temp), stem)
    };
    let name = name.map(str::to_owned).or(stem).unwrap_or_default();
    let name = tuner::steps::safe_name(&name, "function");
    Ok(LocalFunction {
        name,
        dir,
        _temp: temp,
    })
}

/// A Lambda client for `endpoint` with placeholder credentials (the emulator checks none).
pub fn emulator_client(endpoint: &str, region: &str) -> aws_sdk_lambda::Client {
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("local", "local", None, None, "powertune"))
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

/// Ctrl-C, as a future the orchestrator races against (pending forever without a handler).
pub async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handler: never interrupt.
        std::future::pending::<()>().await;
    }
}

/// The flags that reach a deployed function on AWS, flattened into `tune` and `coldstart`
/// (each overrides the help of `--function` and `--endpoint-url`).
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// A deployed function (name or ARN), with credentials from the usual AWS chain.
    #[arg(long, value_name = "NAME|ARN")]
    pub function: Option<String>,
    /// AWS region of the function (default: from the environment or profile).
    #[arg(long, requires = "function")]
    pub region: Option<String>,
    /// AWS profile to use.
    #[arg(long, requires = "function")]
    pub profile: Option<String>,
    /// Endpoint URL to use instead of AWS's.
    #[arg(long, value_name = "URL", requires = "function")]
    pub endpoint_url: Option<String>,
}

impl AwsArgs {
    /// The AWS configuration these flags select, with its region; see [`aws_config()`].
    ///
    /// # Errors
    ///
    /// When no region is configured.
    pub async fn sdk_config(&self) -> anyhow::Result<(aws_config::SdkConfig, String)> {
        aws_config(
            self.region.as_deref(),
            self.profile.as_deref(),
            self.endpoint_url.as_deref(),
        )
        .await
    }
}

/// Loads the AWS configuration the usual chain gives, overridden by `--region`, `--profile`
/// and `--endpoint-url`, and returns it with its region.
///
/// # Errors
///
/// When no region is configured.
pub async fn aws_config(
    region: Option<&str>,
    profile: Option<&str>,
    endpoint_url: Option<&str>,
) -> anyhow::Result<(aws_config::SdkConfig, String)> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_owned()));
    }
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    let region = config
        .region()
        .map(ToString::to_string)
        .context("no AWS region: pass --region or set AWS_REGION")?;
    Ok((config, region))
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
        let client = emulator_client(&emulator.endpoint_url(), &region);
        let isolation = emulator.isolation().as_str().to_owned();
        if isolation == "none" {
            out.note(&out.paint(
                "warning: no writable cgroups: durations are not limited to each memory size's CPU share",
                crate::output::Style::Yellow,
            ));
        }
        let mut outcomes = Vec::new();
        for (function, mut input) in runs {
            emulator
                .registry()
                .register_folder(
                    emulator::registry::NewFunction::new(&function.name, &function.dir)
                        .timeout(LOCAL_TIMEOUT),
                )
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(|| format!("registering {} from {}", function.name, function.dir.display()))?;
            input.tuning.lambda_arn = function.name.clone();
            let options = Options {
                parallel_configurations,
                environment: RunEnvironment {
                    backend: "emulator".into(),
                    region: region.clone(),
                    powertune_version: env!("CARGO_PKG_VERSION").into(),
                    host_architecture: Some(emulator::registry::host_architecture()),
                    host_cpus: std::thread::available_parallelism()
                        .ok()
                        .and_then(|n| u32::try_from(n.get()).ok()),
                    isolation: Some(isolation.clone()),
                    started_at: Some(now_rfc3339()),
                },
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
        environment: RunEnvironment {
            backend: "aws".into(),
            region,
            powertune_version: env!("CARGO_PKG_VERSION").into(),
            host_architecture: None,
            host_cpus: None,
            isolation: None,
            started_at: Some(now_rfc3339()),
        },
    };
    let (progress, bars) = progress(out, &name);
    let outcome = tuner::local::run(client, input, &options, progress, ctrl_c()).await;
    bars.finish();
    outcome.with_context(|| format!("tuning {name}"))
}

/// Progress bars (or plain lines) for one run.
pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<BTreeMap<ConfigKey, ProgressBar>>,
    draw: bool,
}

impl Bars {
    fn finish(&self) {
        if let Ok(bars) = self.bars.lock() {
            for bar in bars.values() {
                bar.finish_and_clear();
            }
        }
        let _ = self.multi.clear();
    }
}

fn progress(out: &Output, name: &str) -> (ProgressFn, Arc<Bars>) {
    let draw = out.progress_bars();
    let multi = if draw {
        MultiProgress::new()
    } else {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    };
    let bars = Arc::new(Bars {
        multi,
        bars: Mutex::new(BTreeMap::new()),
        draw,
    });
    let state = Arc::clone(&bars);
    let out = out.clone();
    let name = name.to_owned();
    let callback: ProgressFn = Arc::new(move |event| match event {
        Progress::Initialized {
            configurations,
            planned,
        } => {
            let style = ProgressStyle::with_template("{prefix:>22} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            let mut map = state.bars.lock().unwrap_or_else(|p| p.into_inner());
            for c in configurations {
                let bar = if state.draw {
                    state.multi.add(ProgressBar::new(u64::from(planned)))
                } else {
                    ProgressBar::hidden()
                };
                bar.set_style(style.clone());
                bar.set_prefix(format!("{} {}", c.memory_mb, c.architecture));
                map.insert(
                    ConfigKey {
                        memory_mb: c.memory_mb,
                        architecture: c.architecture,
                    },
                    bar,
                );
            }
        }
        Progress::Sample { key, sample } => {
            let map = state.bars.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(bar) = map.get(&key) {
                bar.inc(1);
                bar.set_message(format!("{:.1} ms", sample.duration_ms));
            }
        }
        Progress::ConfigurationDone {
            key,
            invocations,
            stopped_early,
        } => {
            let map = state.bars.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(bar) = map.get(&key) {
                bar.finish_with_message(if stopped_early {
                    "precise enough"
                } else {
                    "done"
                });
            }
            if !state.draw {
                let early = if stopped_early {
                    " (precise enough, stopped early)"
                } else {
                    ""
                };
                out.note(&format!(
                    "{name}: {} {} measured, {invocations} invocations{early}",
                    key.memory_mb, key.architecture
                ));
            }
        }
        Progress::Cleaning => {
            if !state.draw {
                out.note(&format!("{name}: removing the run's aliases and versions"));
            }
        }
    });
    (callback, bars)
}

/// The current UTC time as RFC 3339 (seconds).
pub fn now_rfc3339() -> String {
    let t = emulator::clock::UtcTime::from_system(std::time::SystemTime::now());
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}
