//! Execution environments: a function's `bootstrap` process in its own cgroup, with its own
//! Runtime API listener and log stream, and the pool that reuses them while warm.
//!
//! An environment is created on a cold start, frozen between invocations, reused while warm,
//! and destroyed after a crash, a timeout, an out-of-memory kill, a configuration change
//! ([`Environments::discard`]), an idle period longer than the configured one, or shutdown.
//! Destroying one kills its processes and removes its cgroup synchronously, so dropping an
//! [`Environment`] never leaves anything behind.

use std::collections::{BTreeMap, HashMap};
use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::net::TcpListener;
use tokio::net::unix::pipe;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::cgroup::{Cgroup, CgroupRoot, Isolation};
use crate::clock::UtcTime;
use crate::error::ApiError;
use crate::log_store::{InputLogEvent, LogStore};
use crate::registry::{FunctionConfig, Resolved};
use crate::runtime_api::{RuntimeChannel, spawn_runtime_server};

/// Lambda's limit on the init phase.
pub const DEFAULT_INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which environments may serve an invocation: same function, same executed version, same
/// configuration generation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PoolKey {
    /// Function name.
    pub function: String,
    /// Executed version (`$LATEST`, `1`, ...).
    pub version: String,
    /// Configuration generation (see [`crate::registry`]).
    pub generation: u64,
}

impl PoolKey {
    /// The key of a resolved function.
    pub fn of(resolved: &Resolved) -> Self {
        Self {
            function: resolved.config.name.clone(),
            version: resolved.executed_version.clone(),
            generation: resolved.generation,
        }
    }
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitInfo {
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// Signal number, when a signal killed it.
    pub signal: Option<i32>,
}

impl ExitInfo {
    /// Lambda's (Go-style) wording: `exit status 1`, `signal: killed`.
    pub fn describe(&self) -> String {
        match (self.code, self.signal) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(signal)) => {
                let name = match signal {
                    1 => "hangup",
                    2 => "interrupt",
                    3 => "quit",
                    4 => "illegal instruction",
                    6 => "aborted",
                    7 => "bus error",
                    8 => "floating point exception",
                    9 => "killed",
                    11 => "segmentation fault",
                    13 => "broken pipe",
                    15 => "terminated",
                    _ => "",
                };
                if name.is_empty() {
                    format!("signal: {signal}")
                } else {
                    format!("signal: {name}")
                }
            }
            (None, None) => "exit status unknown".to_owned(),
        }
    }
}

/// Where an environment's output goes: its log stream, and the current invocation's buffer
/// (for the `X-Amz-Log-Result` tail).
#[derive(Debug)]
pub struct LogSink {
    store: LogStore,
    group: String,
    stream: String,
    tail: Mutex<Option<Vec<u8>>>,
}

impl LogSink {
    fn lock(&self) -> MutexGuard<'_, Option<Vec<u8>>> {
        self.tail
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends one log event (which may hold several lines) to the stream and the tail.
    pub fn line(&self, text: String) {
        if let Some(tail) = self.lock().as_mut() {
            tail.extend_from_slice(text.as_bytes());
            tail.push(b'\n');
        }
        self.store
            .append(&self.group, &self.stream, [InputLogEvent::now(text)]);
    }

    /// Starts collecting an invocation's lines.
    pub fn begin(&self) {
        *self.lock() = Some(Vec::new());
    }

    /// Stops collecting and returns what was collected.
    pub fn end(&self) -> Vec<u8> {
        self.lock().take().unwrap_or_default()
    }

    /// The log stream's name.
    pub fn stream(&self) -> &str {
        &self.stream
    }
}

/// One execution environment.
#[derive(Debug)]
pub struct Environment {
    id: u64,
    key: PoolKey,
    config: Arc<FunctionConfig>,
    spawned_at: Instant,
    pid: i32,
    channel: Arc<RuntimeChannel>,
    exit: watch::Receiver<Option<ExitInfo>>,
    sink: Arc<LogSink>,
    flush_tx: mpsc::Sender<oneshot::Sender<()>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    cgroup: Mutex<Option<Cgroup>>,
    frozen: AtomicBool,
    terminated: AtomicBool,
    last_used: Mutex<Instant>,
    epoch: u64,
    runtime_api: String,
    /// Started for provisioned concurrency: kept warm however long it is idle.
    provisioned: bool,
}

/// What ended the init phase.
#[derive(Debug, Clone)]
pub enum InitOutcome {
    /// The runtime called `next`: init took until then.
    Ready(Instant),
    /// The runtime reported an init error.
    Error(crate::runtime_api::InitError),
    /// The process exited during init.
    Exited(ExitInfo),
    /// Init ran past the init timeout.
    TimedOut,
}

impl Environment {
    /// The environment's number (unique within the emulator).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Pool key.
    pub fn key(&self) -> &PoolKey {
        &self.key
    }

    /// The configuration it runs.
    pub fn config(&self) -> &Arc<FunctionConfig> {
        &self.config
    }

    /// When the process was started.
    pub fn spawned_at(&self) -> Instant {
        self.spawned_at
    }

    /// Process id of `bootstrap`.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// `AWS_LAMBDA_RUNTIME_API` of this environment (`127.0.0.1:<port>`).
    pub fn runtime_api(&self) -> &str {
        &self.runtime_api
    }

    /// The Runtime API state.
    pub fn channel(&self) -> &Arc<RuntimeChannel> {
        &self.channel
    }

    /// The log sink.
    pub fn sink(&self) -> &Arc<LogSink> {
        &self.sink
    }

    /// Whether the environment was destroyed.
    pub fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::Acquire)
    }

    /// How the process ended, once it has.
    pub fn exit_info(&self) -> Option<ExitInfo> {
        *self.exit.borrow()
    }

    /// Waits for the process to end.
    pub async fn wait_exit(&self) -> ExitInfo {
        let mut exit = self.exit.clone();
        loop {
            if let Some(info) = *exit.borrow_and_update() {
                return info;
            }
            if exit.changed().await.is_err() {
                return exit.borrow().unwrap_or(ExitInfo {
                    code: None,
                    signal: None,
                });
            }
        }
    }

    /// Waits for the end of the init phase.
    pub async fn wait_init(&self, limit: Duration) -> InitOutcome {
        let mut first = self.channel.first_next();
        let mut init_error = self.channel.init_error();
        let wait_first = async {
            loop {
                if let Some(at) = *first.borrow_and_update() {
                    return at;
                }
                if first.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        let wait_error = async {
            loop {
                if let Some(err) = init_error.borrow_and_update().clone() {
                    return err;
                }
                if init_error.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        let deadline = tokio::time::sleep(limit.saturating_sub(self.spawned_at.elapsed()));
        tokio::select! {
            at = wait_first => InitOutcome::Ready(at),
            err = wait_error => InitOutcome::Error(err),
            info = self.wait_exit() => {
                // An init error posted just before exiting is the better explanation.
                match self.channel.init_error().borrow().clone() {
                    Some(err) => InitOutcome::Error(err),
                    None => InitOutcome::Exited(info),
                }
            }
            () = deadline => InitOutcome::TimedOut,
        }
    }

    /// Drains the process's output into the log: after this returns, every line written before
    /// the call is in the log stream (the pipe is read until it is empty).
    pub async fn flush_logs(&self) {
        let (tx, rx) = oneshot::channel();
        if self.flush_tx.send(tx).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), rx).await;
        }
    }

    /// Freezes the environment between invocations.
    pub fn freeze(&self) {
        if self.is_terminated() {
            return;
        }
        let cgroup = self.lock_cgroup();
        let frozen = match cgroup.as_ref() {
            Some(cg) => cg.freeze().is_ok(),
            None => kill(Pid::from_raw(self.pid), Signal::SIGSTOP).is_ok(),
        };
        self.frozen.store(frozen, Ordering::Release);
    }

    /// Thaws a frozen environment.
    pub fn thaw(&self) {
        if !self.frozen.swap(false, Ordering::AcqRel) {
            return;
        }
        let cgroup = self.lock_cgroup();
        match cgroup.as_ref() {
            Some(cg) => {
                if let Err(err) = cg.thaw() {
                    tracing::warn!(env = self.id, error = %err, "cannot thaw environment");
                }
            }
            None => {
                let _ = kill(Pid::from_raw(self.pid), Signal::SIGCONT);
            }
        }
    }

    fn lock_cgroup(&self) -> MutexGuard<'_, Option<Cgroup>> {
        self.cgroup
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Peak memory of the environment in MB (rounded up): from the cgroup, or the process's
    /// peak resident set without one.
    pub fn max_memory_used_mb(&self) -> u32 {
        let bytes = self
            .lock_cgroup()
            .as_ref()
            .and_then(Cgroup::peak_memory_bytes)
            .or_else(|| vm_hwm_bytes(self.pid))
            .unwrap_or(0);
        u32::try_from(bytes.div_ceil(1024 * 1024)).unwrap_or(u32::MAX)
    }

    /// Whether the kernel killed the environment for exceeding its memory limit.
    pub fn oom_killed(&self) -> bool {
        self.lock_cgroup().as_ref().is_some_and(Cgroup::oom_killed)
    }

    /// Destroys the environment: kills its processes, removes its cgroup, stops its tasks.
    /// Idempotent and synchronous.
    pub fn terminate(&self) {
        if self.terminated.swap(true, Ordering::AcqRel) {
            return;
        }
        if self.exit_info().is_none() {
            let _ = kill(Pid::from_raw(self.pid), Signal::SIGKILL);
        }
        let cgroup = self.lock_cgroup().take();
        if cgroup.is_none() && self.frozen.load(Ordering::Acquire) {
            // A stopped process receives SIGKILL only once it continues.
            let _ = kill(Pid::from_raw(self.pid), Signal::SIGCONT);
        }
        drop(cgroup);
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .drain(..)
        {
            task.abort();
        }
        tracing::debug!(env = self.id, function = %self.key.function, "environment destroyed");
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        self.terminate();
    }
}

fn vm_hwm_bytes(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

async fn pump_logs(
    rx: pipe::Receiver,
    sink: Arc<LogSink>,
    mut flush_rx: mpsc::Receiver<oneshot::Sender<()>>,
) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut eof = false;
    loop {
        tokio::select! {
            ready = rx.readable(), if !eof => {
                eof = ready.is_err() || drain(&rx, &mut buf, &mut pending, &sink);
                if eof {
                    emit_partial(&mut pending, &sink);
                }
            }
            request = flush_rx.recv() => {
                let Some(ack) = request else { break };
                if !eof {
                    eof = drain(&rx, &mut buf, &mut pending, &sink);
                }
                emit_partial(&mut pending, &sink);
                let _ = ack.send(());
            }
        }
    }
}

/// Reads everything available; returns whether the pipe reached end of file.
fn drain(rx: &pipe::Receiver, buf: &mut [u8], pending: &mut Vec<u8>, sink: &LogSink) -> bool {
    loop {
        match rx.try_read(buf) {
            Ok(0) => return true,
            Ok(n) => {
                pending.extend_from_slice(&buf[..n]);
                while let Some(pos) = pending.iter().position(|&b| b == b'\n') {
                    let mut line: Vec<u8> = pending.drain(..=pos).collect();
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    sink.line(String::from_utf8_lossy(&line).into_owned());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return true,
        }
    }
}

fn emit_partial(pending: &mut Vec<u8>, sink: &LogSink) {
    if !pending.is_empty() {
        let line = std::mem::take(pending);
        sink.line(String::from_utf8_lossy(&line).into_owned());
    }
}

#[derive(Debug, Default)]
struct PoolInner {
    idle: HashMap<PoolKey, Vec<Arc<Environment>>>,
    live: BTreeMap<u64, Arc<Environment>>,
    busy: HashMap<String, u32>,
    discards: HashMap<(String, Option<String>), u64>,
}

/// Settings of the environment pool.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Region (`AWS_REGION`).
    pub region: String,
    /// Account id.
    pub account_id: String,
    /// Idle time after which a warm environment is destroyed.
    pub idle_timeout: Duration,
    /// Init phase limit.
    pub init_timeout: Duration,
}

/// Every execution environment of one emulator, and the warm pool.
#[derive(Debug)]
pub struct Environments {
    root: CgroupRoot,
    logs: LogStore,
    settings: PoolSettings,
    next_id: AtomicU64,
    epoch: AtomicU64,
    inner: Mutex<PoolInner>,
}

/// The account's unreserved concurrency, as seen by an invocation of a function without a
/// reservation: checked and taken under the pool's lock, so that invocations racing for the
/// last slot cannot both get it.
#[derive(Debug, Clone, Default)]
pub struct UnreservedPool {
    /// How many invocations of functions without a reservation may run at once (the account
    /// limit minus every reservation).
    pub capacity: u32,
    /// Functions with a reservation: their invocations do not use the pool.
    pub reserved_functions: std::collections::HashSet<String>,
}

/// An environment taken from the pool for one invocation. Dropping it releases the
/// function's concurrency slot.
#[derive(Debug)]
pub struct Lease {
    envs: Arc<Environments>,
    /// The environment.
    pub env: Arc<Environment>,
    /// Whether it was created for this invocation.
    pub cold: bool,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut inner = self.envs.lock();
        if let Some(count) = inner.busy.get_mut(&self.env.key.function) {
            *count = count.saturating_sub(1);
        }
    }
}

impl Environments {
    /// An empty pool.
    pub fn new(root: CgroupRoot, logs: LogStore, settings: PoolSettings) -> Self {
        Self {
            root,
            logs,
            settings,
            next_id: AtomicU64::new(1),
            epoch: AtomicU64::new(1),
            inner: Mutex::new(PoolInner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How environments are isolated.
    pub fn isolation(&self) -> Isolation {
        self.root.isolation()
    }

    /// The cgroup root.
    pub fn cgroup_root(&self) -> &CgroupRoot {
        &self.root
    }

    /// The pool settings.
    pub fn settings(&self) -> &PoolSettings {
        &self.settings
    }

    /// Number of live environments (idle or busy).
    pub fn live_count(&self) -> usize {
        self.lock().live.len()
    }

    /// Number of idle (warm) environments of a function.
    pub fn idle_count(&self, function: &str) -> usize {
        self.lock()
            .idle
            .iter()
            .filter(|(k, _)| k.function == function)
            .map(|(_, v)| v.len())
            .sum()
    }

    /// Invocations in flight, per function.
    pub fn busy_counts(&self) -> HashMap<String, u32> {
        self.lock().busy.clone()
    }

    /// Pids of every live environment's `bootstrap`.
    pub fn pids(&self) -> Vec<i32> {
        self.lock().live.values().map(|e| e.pid).collect()
    }

    /// Takes a warm environment for `resolved`, or starts a new one (a cold start). A function
    /// with a reservation is held to it; one without is held to `unreserved` when given.
    ///
    /// # Errors
    /// `TooManyRequestsException` when the function's reserved concurrency or the account's
    /// unreserved concurrency is used up; `ServiceException` when the environment cannot be
    /// created.
    pub async fn acquire(
        self: &Arc<Self>,
        resolved: &Resolved,
        unreserved: Option<&UnreservedPool>,
    ) -> Result<Lease, ApiError> {
        let key = PoolKey::of(resolved);
        let warm = {
            let mut inner = self.lock();
            let busy = inner.busy.get(&key.function).copied().unwrap_or(0);
            match (resolved.reserved_concurrency, unreserved) {
                (Some(limit), _) if busy >= limit => {
                    return Err(ApiError::too_many_requests(
                        "ReservedFunctionConcurrentInvocationLimitExceeded",
                        "Rate Exceeded.",
                    ));
                }
                (None, Some(pool)) => {
                    let used: u32 = inner
                        .busy
                        .iter()
                        .filter(|(function, _)| !pool.reserved_functions.contains(*function))
                        .map(|(_, n)| *n)
                        .sum();
                    if used >= pool.capacity {
                        return Err(ApiError::too_many_requests(
                            "ConcurrentInvocationLimitExceeded",
                            "Rate Exceeded.",
                        ));
                    }
                }
                _ => {}
            }
            *inner.busy.entry(key.function.clone()).or_default() += 1;
            let mut found = None;
            if let Some(idle) = inner.idle.get_mut(&key) {
                while let Some(env) = idle.pop() {
                    if !env.is_terminated() && env.exit_info().is_none() {
                        found = Some(env);
                        break;
                    }
                }
            }
            found
        };
        if let Some(env) = warm {
            return Ok(Lease {
                envs: Arc::clone(self),
                env,
                cold: false,
            });
        }
        // The lease exists before the spawn so that a failed spawn releases the slot.
        match self.spawn(&key, &resolved.config, false).await {
            Ok(env) => Ok(Lease {
                envs: Arc::clone(self),
                env,
                cold: true,
            }),
            Err(err) => {
                let mut inner = self.lock();
                if let Some(count) = inner.busy.get_mut(&key.function) {
                    *count = count.saturating_sub(1);
                }
                Err(err)
            }
        }
    }

    /// Starts one provisioned-concurrency environment for `resolved`
    /// (`AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`), runs its init phase now,
    /// and adds it to the warm pool, where idle reaping leaves it alone. Its first invocation
    /// is therefore warm: no Init Duration, as on Lambda.
    ///
    /// # Errors
    /// `ServiceException` when the environment cannot be created or its init fails.
    pub async fn provision(self: &Arc<Self>, resolved: &Resolved) -> Result<(), ApiError> {
        let key = PoolKey::of(resolved);
        let env = self.spawn(&key, &resolved.config, true).await?;
        env.sink().line(format!(
            "INIT_START Runtime Version: {}",
            resolved.config.runtime
        ));
        match env.wait_init(self.settings.init_timeout).await {
            InitOutcome::Ready(_) => {
                self.release(&env, true);
                Ok(())
            }
            other => {
                self.destroy(&env);
                Err(ApiError::service(format!(
                    "provisioned environment of {} failed its init: {other:?}",
                    resolved.qualifier_arn
                )))
            }
        }
    }

    /// Returns an environment to the pool after an invocation (frozen), or destroys it when it
    /// is unhealthy or its function was changed meanwhile.
    pub fn release(&self, env: &Arc<Environment>, healthy: bool) {
        let discarded = {
            let inner = self.lock();
            let by_function = inner
                .discards
                .get(&(env.key.function.clone(), None))
                .copied()
                .unwrap_or(0);
            let by_version = inner
                .discards
                .get(&(env.key.function.clone(), Some(env.key.version.clone())))
                .copied()
                .unwrap_or(0);
            by_function.max(by_version) > env.epoch
        };
        if healthy && !discarded && !env.is_terminated() && env.exit_info().is_none() {
            env.freeze();
            *env.last_used
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
            self.lock()
                .idle
                .entry(env.key.clone())
                .or_default()
                .push(Arc::clone(env));
        } else {
            self.destroy(env);
        }
    }

    /// Destroys one environment and forgets it.
    pub fn destroy(&self, env: &Arc<Environment>) {
        {
            let mut inner = self.lock();
            inner.live.remove(&env.id);
            for idle in inner.idle.values_mut() {
                idle.retain(|e| e.id != env.id);
            }
        }
        env.terminate();
    }

    /// Destroys the idle environments of a function (of one version when given); busy ones are
    /// destroyed when their invocation ends.
    pub fn discard(&self, function: &str, version: Option<&str>) {
        let epoch = self.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        let doomed: Vec<Arc<Environment>> = {
            let mut inner = self.lock();
            inner
                .discards
                .insert((function.to_owned(), version.map(str::to_owned)), epoch);
            let mut doomed = Vec::new();
            for (key, idle) in &mut inner.idle {
                if key.function == function && version.is_none_or(|v| v == key.version) {
                    doomed.append(idle);
                }
            }
            for env in &doomed {
                inner.live.remove(&env.id);
            }
            doomed
        };
        for env in doomed {
            env.terminate();
        }
    }

    /// Destroys idle environments unused for longer than the idle timeout. Returns how many.
    pub fn reap_idle(&self) -> usize {
        let limit = self.settings.idle_timeout;
        let doomed: Vec<Arc<Environment>> = {
            let mut inner = self.lock();
            let mut doomed = Vec::new();
            for idle in inner.idle.values_mut() {
                idle.retain(|env| {
                    let last = *env
                        .last_used
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    let dead = env.exit_info().is_some() || env.is_terminated();
                    if dead || (!env.provisioned && last.elapsed() >= limit) {
                        doomed.push(Arc::clone(env));
                        false
                    } else {
                        true
                    }
                });
            }
            for env in &doomed {
                inner.live.remove(&env.id);
            }
            doomed
        };
        let count = doomed.len();
        for env in doomed {
            env.terminate();
        }
        count
    }

    /// Destroys every environment, idle or busy (shutdown).
    pub fn terminate_all(&self) {
        let all: Vec<Arc<Environment>> = {
            let mut inner = self.lock();
            inner.idle.clear();
            std::mem::take(&mut inner.live).into_values().collect()
        };
        for env in all {
            env.terminate();
        }
    }

    async fn spawn(
        &self,
        key: &PoolKey,
        config: &Arc<FunctionConfig>,
        provisioned: bool,
    ) -> Result<Arc<Environment>, ApiError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let instance = uuid::Uuid::new_v4().simple().to_string();
        let stream = format!(
            "{}/[{}]{}",
            UtcTime::from_system(SystemTime::now()).date_path(),
            config.version,
            instance
        );
        let service = |what: &str, e: &dyn std::fmt::Display| {
            ApiError::service(format!(
                "cannot create an execution environment for {}: {what}: {e}",
                config.name
            ))
        };
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| service("binding the Runtime API", &e))?;
        let port = listener
            .local_addr()
            .map_err(|e| service("binding the Runtime API", &e))?
            .port();
        let runtime_api = format!("127.0.0.1:{port}");
        let channel = Arc::new(RuntimeChannel::new());
        let server = spawn_runtime_server(listener, Arc::clone(&channel));
        let cgroup = self
            .root
            .create(
                &format!("{}-{id}", std::process::id()),
                config.memory_mb.get(),
            )
            .map_err(|e| service("creating its cgroup", &e))?;
        let (reader, writer) = std::io::pipe().map_err(|e| service("creating a pipe", &e))?;
        let writer_err = writer
            .try_clone()
            .map_err(|e| service("creating a pipe", &e))?;

        let mut cmd = tokio::process::Command::new(config.bootstrap());
        cmd.current_dir(&config.code_dir)
            .env_clear()
            .envs(lambda_environment(
                config,
                &self.settings,
                &runtime_api,
                &stream,
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
                .map_err(|e| service("opening its cgroup", &e))?,
            None => Vec::new(),
        };
        prepare_child(&mut cmd, files);
        let spawned_at = Instant::now();
        let spawned = cmd.spawn();
        drop(cmd); // closes this process's copies of the pipe's write end
        let mut child = match spawned {
            Ok(child) => child,
            Err(err) => {
                server.abort();
                return Err(ApiError::invalid_runtime(format!(
                    "cannot start {} for function {}: {err}",
                    config.bootstrap().display(),
                    config.name
                )));
            }
        };
        let pid = child
            .id()
            .and_then(|p| i32::try_from(p).ok())
            .ok_or_else(|| {
                ApiError::service("the bootstrap process ended before it was observed")
            })?;

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
        let sink = Arc::new(LogSink {
            store: self.logs.clone(),
            group: config.log_group.clone(),
            stream,
            tail: Mutex::new(None),
        });
        let (flush_tx, flush_rx) = mpsc::channel(4);
        let receiver = pipe::Receiver::from_owned_fd(OwnedFd::from(reader))
            .map_err(|e| service("reading its output", &e))?;
        let pump = tokio::spawn(pump_logs(receiver, Arc::clone(&sink), flush_rx));

        let env = Arc::new(Environment {
            id,
            key: key.clone(),
            config: Arc::clone(config),
            spawned_at,
            pid,
            channel,
            exit: exit_rx,
            sink,
            flush_tx,
            tasks: Mutex::new(vec![server, waiter, pump]),
            cgroup: Mutex::new(cgroup),
            frozen: AtomicBool::new(false),
            terminated: AtomicBool::new(false),
            last_used: Mutex::new(Instant::now()),
            epoch: self.epoch.load(Ordering::Acquire),
            runtime_api,
            provisioned,
        });
        self.lock().live.insert(id, Arc::clone(&env));
        tracing::debug!(env = id, pid, function = %config.name, version = %config.version, "environment started");
        Ok(env)
    }
}

/// The variables Lambda sets in an execution environment, then the function's own.
pub fn lambda_environment(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_descriptions_use_lambdas_wording() {
        let killed = ExitInfo {
            code: None,
            signal: Some(9),
        };
        assert_eq!(killed.describe(), "signal: killed");
        let failed = ExitInfo {
            code: Some(1),
            signal: None,
        };
        assert_eq!(failed.describe(), "exit status 1");
    }
}
