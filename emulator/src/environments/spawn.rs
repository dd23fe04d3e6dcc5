//! Starting an execution environment: its Runtime API listener, its cgroup, the `bootstrap`
//! process with the variables Lambda sets, the task that waits for the process to end and the
//! pump that copies its output into its log stream.

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use nix::sys::signal::Signal;
use tokio::net::TcpListener;
use tokio::net::unix::pipe;
use tokio::process::Child;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::environment::{Environment, ExitInfo};
use super::log_pump::{LogSink, pump_logs};
use super::{Environments, PoolKey, PoolSettings};
use crate::cgroup::Cgroup;
use crate::clock::UtcTime;
use crate::error::ApiError;
use crate::registry::FunctionConfig;
use crate::runtime_api::{RuntimeChannel, spawn_runtime_server};

/// An environment's Runtime API: its address, its state and the task serving it.
struct RuntimeApi {
    address: String,
    channel: Arc<RuntimeChannel>,
    server: JoinHandle<()>,
}

/// A started `bootstrap` process.
struct Process {
    child: Child,
    pid: i32,
    spawned_at: Instant,
    cgroup: Option<Cgroup>,
    output: pipe::Receiver,
}

impl Environments {
    /// Starts a new environment for `key` running `config` (`provisioned`: for provisioned
    /// concurrency) and adds it to the live ones. Its init phase runs from here on.
    pub(super) async fn spawn(
        &self,
        key: &PoolKey,
        config: &Arc<FunctionConfig>,
        provisioned: bool,
    ) -> Result<Arc<Environment>, ApiError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let stream = stream_name(config);
        let runtime_api = start_runtime_api(config).await?;
        let process =
            match self.start_process(id, config, &runtime_api.address, &stream, provisioned) {
                Ok(process) => process,
                Err(err) => {
                    runtime_api.server.abort();
                    return Err(err);
                }
            };
        let (waiter, exit) = watch_exit(process.child);
        let sink = Arc::new(LogSink::new(
            self.logs.clone(),
            config.log_group.clone(),
            stream,
        ));
        let (flush_tx, flush_rx) = mpsc::channel(4);
        let pump = tokio::spawn(pump_logs(process.output, Arc::clone(&sink), flush_rx));
        let pid = process.pid;
        let env = Arc::new(Environment {
            id,
            key: key.clone(),
            config: Arc::clone(config),
            spawned_at: process.spawned_at,
            pid,
            channel: runtime_api.channel,
            exit,
            sink,
            flush_tx,
            tasks: Mutex::new(vec![runtime_api.server, waiter, pump]),
            cgroup: Mutex::new(process.cgroup),
            frozen: AtomicBool::new(false),
            terminated: AtomicBool::new(false),
            last_used: Mutex::new(Instant::now()),
            epoch: self.epoch.load(Ordering::Acquire),
            provisioned,
        });
        self.lock().live.insert(id, Arc::clone(&env));
        tracing::debug!(env = id, pid, function = %config.name, version = %config.version, "environment started");
        Ok(env)
    }

    /// Creates the environment's cgroup and starts `bootstrap` in it, its stdout and stderr
    /// into one pipe.
    fn start_process(
        &self,
        id: u64,
        config: &FunctionConfig,
        runtime_api: &str,
        stream: &str,
        provisioned: bool,
    ) -> Result<Process, ApiError> {
        let cgroup = self
            .root
            .create(
                &format!("{}-{id}", std::process::id()),
                config.memory_mb.get(),
            )
            .map_err(|e| cannot_create(config, "creating its cgroup", &e))?;
        let (reader, writer) =
            std::io::pipe().map_err(|e| cannot_create(config, "creating a pipe", &e))?;
        let writer_err = writer
            .try_clone()
            .map_err(|e| cannot_create(config, "creating a pipe", &e))?;
        let mut cmd = tokio::process::Command::new(config.bootstrap());
        cmd.current_dir(&config.code_dir)
            .env_clear()
            .envs(lambda_environment(
                config,
                &self.settings,
                runtime_api,
                stream,
            ))
            .env(
                "AWS_LAMBDA_INITIALIZATION_TYPE",
                if provisioned {
                    "provisioned-concurrency"
                } else {
                    "on-demand"
                },
            )
            .stdin(Stdio::null())
            .stdout(Stdio::from(writer))
            .stderr(Stdio::from(writer_err))
            .kill_on_drop(true);
        let files = match &cgroup {
            Some(cg) => cg
                .procs_files()
                .map_err(|e| cannot_create(config, "opening its cgroup", &e))?,
            None => Vec::new(),
        };
        prepare_child(&mut cmd, files);
        let spawned_at = Instant::now();
        let spawned = cmd.spawn();
        drop(cmd); // closes this process's copies of the pipe's write end
        let child = spawned.map_err(|err| {
            ApiError::invalid_runtime(format!(
                "cannot start {} for function {}: {err}",
                config.bootstrap().display(),
                config.name
            ))
        })?;
        let pid = child
            .id()
            .and_then(|p| i32::try_from(p).ok())
            .ok_or_else(|| {
                ApiError::service("the bootstrap process ended before it was observed")
            })?;
        let output = pipe::Receiver::from_owned_fd(OwnedFd::from(reader))
            .map_err(|e| cannot_create(config, "reading its output", &e))?;
        Ok(Process {
            child,
            pid,
            spawned_at,
            cgroup,
            output,
        })
    }
}

fn cannot_create(config: &FunctionConfig, what: &str, e: &dyn std::fmt::Display) -> ApiError {
    ApiError::service(format!(
        "cannot create an execution environment for {}: {what}: {e}",
        config.name
    ))
}

/// `YYYY/MM/DD/[version]<32 hex>`, as Lambda names an environment's log stream.
fn stream_name(config: &FunctionConfig) -> String {
    let instance = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{}/[{}]{}",
        UtcTime::now().date_path(),
        config.version,
        instance
    )
}

/// Binds a loopback port for the environment's Runtime API and serves it.
async fn start_runtime_api(config: &FunctionConfig) -> Result<RuntimeApi, ApiError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| cannot_create(config, "binding the Runtime API", &e))?;
    let port = listener
        .local_addr()
        .map_err(|e| cannot_create(config, "binding the Runtime API", &e))?
        .port();
    let channel = Arc::new(RuntimeChannel::new());
    let server = spawn_runtime_server(listener, Arc::clone(&channel));
    Ok(RuntimeApi {
        address: format!("127.0.0.1:{port}"),
        channel,
        server,
    })
}

/// A task that waits for `child` to end and publishes how it ended.
fn watch_exit(mut child: Child) -> (JoinHandle<()>, watch::Receiver<Option<ExitInfo>>) {
    let (exit_tx, exit_rx) = watch::channel(None);
    let waiter = tokio::spawn(async move {
        let info = match child.wait().await {
            Ok(status) => {
                use std::os::unix::process::ExitStatusExt as _;
                ExitInfo {
                    code: status.code(),
                    signal: status.signal(),
                }
            }
            Err(_) => ExitInfo {
                code: None,
                signal: None,
            },
        };
        let _ = exit_tx.send(Some(info));
    });
    (waiter, exit_rx)
}

/// The variables Lambda sets in an execution environment, then the function's own.
pub(crate) fn lambda_environment(
    config: &FunctionConfig,
    settings: &PoolSettings,
    runtime_api: &str,
    stream: &str,
) -> Vec<(String, String)> {
    let code_dir = config.code_dir.display().to_string();
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut set = |k: &str, v: &str| {
        vars.insert(k.to_owned(), v.to_owned());
    };
    set("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    set("LANG", "en_US.UTF-8");
    set("TZ", ":UTC");
    set("LAMBDA_TASK_ROOT", &code_dir);
    set("LAMBDA_RUNTIME_DIR", &code_dir);
    set("_HANDLER", &config.handler);
    set(
        "AWS_EXECUTION_ENV",
        &format!("AWS_Lambda_{}", config.runtime),
    );
    set("AWS_LAMBDA_RUNTIME_API", runtime_api);
    set("AWS_LAMBDA_FUNCTION_NAME", &config.name);
    set(
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        &config.memory_mb.get().to_string(),
    );
    set("AWS_LAMBDA_FUNCTION_VERSION", &config.version);
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    set("AWS_LAMBDA_LOG_GROUP_NAME", &config.log_group);
    set("AWS_LAMBDA_LOG_STREAM_NAME", stream);
    set("AWS_LAMBDA_LOG_FORMAT", config.log_format.as_str());
    set("AWS_REGION", &settings.region);
    set("AWS_DEFAULT_REGION", &settings.region);
    // Dummy credentials: the function's own SDK clients find some, as they would on Lambda.
    set("AWS_ACCESS_KEY_ID", "ASIAEMULATOREXAMPLE0");
    set(
        "AWS_SECRET_ACCESS_KEY",
        "emulator/secret/access/key/example00000",
    );
    set("AWS_SESSION_TOKEN", "emulator-session-token");
    for (k, v) in &config.environment {
        vars.insert(k.clone(), v.clone());
    }
    vars.into_iter().collect()
}

/// Between fork and exec: ask the kernel to kill the child when the emulator's thread that
/// started it ends (so a killed or interrupted emulator leaves no process behind), then move
/// the child into its cgroups (before it runs, so every byte it uses is accounted).
#[allow(unsafe_code)]
fn prepare_child(cmd: &mut tokio::process::Command, cgroup_procs: Vec<std::fs::File>) {
    // SAFETY: the closure runs in the forked child before exec. It only makes the prctl(2)
    // and write(2) system calls, on file descriptors opened beforehand (no allocation, no
    // locks), which is async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
            crate::cgroup::join_self(&cgroup_procs)
        });
    }
}
