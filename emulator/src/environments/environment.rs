//! One execution environment: a function's `bootstrap` process in its own cgroup, with its own
//! Runtime API listener and log stream; how it is frozen, thawed, measured and destroyed.
//!
//! Destroying one kills its processes and removes its cgroup synchronously, so dropping an
//! [`Environment`] never leaves anything behind.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::PoolKey;
use super::log_pump::LogSink;
use crate::cgroup::Cgroup;
use crate::registry::FunctionConfig;
use crate::runtime_api::{InitError, RuntimeChannel};

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExitInfo {
    /// Exit code, when it exited.
    pub(crate) code: Option<i32>,
    /// Signal number, when a signal killed it.
    pub(crate) signal: Option<i32>,
}

impl ExitInfo {
    /// Lambda's (Go-style) wording: `exit status 1`, `signal: killed`.
    pub(crate) fn describe(&self) -> String {
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

/// One execution environment.
#[derive(Debug)]
pub(crate) struct Environment {
    pub(super) id: u64,
    pub(super) key: PoolKey,
    pub(super) config: Arc<FunctionConfig>,
    pub(super) spawned_at: Instant,
    pub(super) pid: i32,
    pub(super) channel: Arc<RuntimeChannel>,
    pub(super) exit: watch::Receiver<Option<ExitInfo>>,
    pub(super) sink: Arc<LogSink>,
    pub(super) flush_tx: mpsc::Sender<oneshot::Sender<()>>,
    pub(super) tasks: Mutex<Vec<JoinHandle<()>>>,
    pub(super) cgroup: Mutex<Option<Cgroup>>,
    pub(super) frozen: AtomicBool,
    pub(super) terminated: AtomicBool,
    pub(super) last_used: Mutex<Instant>,
    /// The pool's discard epoch when it started (see [`super::Environments::discard`]).
    pub(super) epoch: u64,
    /// Started for provisioned concurrency: kept warm however long it is idle.
    pub(super) provisioned: bool,
}

/// What ended the init phase.
#[derive(Debug, Clone)]
pub(crate) enum InitOutcome {
    /// The runtime called `next`: init took until then.
    Ready(Instant),
    /// The runtime reported an init error.
    Error(InitError),
    /// The process exited during init.
    Exited(ExitInfo),
    /// Init ran past the init timeout.
    TimedOut,
}

impl Environment {
    /// The configuration it runs.
    pub(crate) fn config(&self) -> &Arc<FunctionConfig> {
        &self.config
    }

    /// When the process was started.
    pub(crate) fn spawned_at(&self) -> Instant {
        self.spawned_at
    }

    /// The Runtime API state.
    pub(crate) fn channel(&self) -> &Arc<RuntimeChannel> {
        &self.channel
    }

    /// The log sink.
    pub(crate) fn sink(&self) -> &Arc<LogSink> {
        &self.sink
    }

    /// Whether the environment was destroyed.
    pub(crate) fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::Acquire)
    }

    /// How the process ended, once it has.
    pub(crate) fn exit_info(&self) -> Option<ExitInfo> {
        *self.exit.borrow()
    }

    /// Waits for the process to end.
    pub(crate) async fn wait_exit(&self) -> ExitInfo {
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
    pub(crate) async fn wait_init(&self, limit: Duration) -> InitOutcome {
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
    pub(crate) async fn flush_logs(&self) {
        let (tx, rx) = oneshot::channel();
        if self.flush_tx.send(tx).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), rx).await;
        }
    }

    /// Freezes the environment between invocations.
    pub(crate) fn freeze(&self) {
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
    pub(crate) fn thaw(&self) {
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
    pub(crate) fn max_memory_used_mb(&self) -> u32 {
        let bytes = self
            .lock_cgroup()
            .as_ref()
            .and_then(Cgroup::peak_memory_bytes)
            .or_else(|| vm_hwm_bytes(self.pid))
            .unwrap_or(0);
        u32::try_from(bytes.div_ceil(1024 * 1024)).unwrap_or(u32::MAX)
    }

    /// Whether the kernel killed the environment for exceeding its memory limit.
    pub(crate) fn oom_killed(&self) -> bool {
        self.lock_cgroup().as_ref().is_some_and(Cgroup::oom_killed)
    }

    /// Destroys the environment: kills its processes, removes its cgroup, stops its tasks.
    /// Idempotent and synchronous.
    pub(crate) fn terminate(&self) {
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
