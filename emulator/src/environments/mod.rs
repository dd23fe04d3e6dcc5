//! Execution environments and the warm pool that reuses them.
//!
//! An environment ([`Environment`]) is created on a cold start, frozen between invocations,
//! reused while warm, and destroyed after a crash, a timeout, an out-of-memory kill, a
//! configuration change ([`Environments::discard`]), an idle period longer than the configured
//! one, or shutdown. The pool also counts the invocations in flight per function and holds
//! them to their reserved or the account's unreserved concurrency.
//!
//! `environment` is one environment; `spawn` starts one (process, cgroup, Runtime API, log
//! pump); `log_pump` carries its output into its log stream.

mod environment;
mod log_pump;
mod spawn;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub(crate) use environment::{Environment, ExitInfo, InitOutcome};
pub(crate) use log_pump::LogSink;

use crate::cgroup::{CgroupRoot, Isolation};
use crate::error::ApiError;
use crate::log_store::LogStore;
use crate::registry::{Reservations, Resolved};

/// Lambda's limit on the init phase.
pub(crate) const DEFAULT_INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which environments may serve an invocation: same function, same executed version, same
/// configuration generation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct PoolKey {
    /// Function name.
    pub(crate) function: String,
    /// Executed version (`$LATEST`, `1`, ...).
    pub(crate) version: String,
    /// Configuration generation (see [`crate::registry`]).
    pub(crate) generation: u64,
}

impl PoolKey {
    /// The key of a resolved function.
    pub(crate) fn of(resolved: &Resolved) -> Self {
        Self {
            function: resolved.config.name.clone(),
            version: resolved.executed_version.clone(),
            generation: resolved.generation,
        }
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
pub(crate) struct PoolSettings {
    /// Region (`AWS_REGION`).
    pub(crate) region: String,
    /// Idle time after which a warm environment is destroyed.
    pub(crate) idle_timeout: Duration,
    /// Init phase limit.
    pub(crate) init_timeout: Duration,
}

/// Every execution environment of one emulator, and the warm pool.
#[derive(Debug)]
pub(crate) struct Environments {
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
#[derive(Debug, Clone)]
pub(crate) struct UnreservedPool {
    /// How many invocations of functions without a reservation may run at once (the account
    /// limit minus every reservation).
    pub(crate) capacity: u32,
    /// The account's reservations: invocations of a function with one do not use the pool.
    pub(crate) reservations: Arc<Reservations>,
}

/// An environment taken from the pool for one invocation. Dropping it releases the
/// function's concurrency slot.
#[derive(Debug)]
pub(crate) struct Lease {
    envs: Arc<Environments>,
    /// The environment.
    pub(crate) env: Arc<Environment>,
    /// Whether it was created for this invocation.
    pub(crate) cold: bool,
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
    pub(crate) fn new(root: CgroupRoot, logs: LogStore, settings: PoolSettings) -> Self {
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
    pub(crate) fn isolation(&self) -> Isolation {
        self.root.isolation()
    }

    /// The pool settings.
    pub(crate) fn settings(&self) -> &PoolSettings {
        &self.settings
    }

    /// Number of live environments (idle or busy).
    pub(crate) fn live_count(&self) -> usize {
        self.lock().live.len()
    }

    /// Number of idle (warm) environments of a function.
    pub(crate) fn idle_count(&self, function: &str) -> usize {
        self.lock()
            .idle
            .iter()
            .filter(|(k, _)| k.function == function)
            .map(|(_, v)| v.len())
            .sum()
    }

    /// Invocations of a function in flight (`None` when none was ever admitted).
    pub(crate) fn busy_count(&self, function: &str) -> Option<u32> {
        self.lock().busy.get(function).copied()
    }

    /// Pids of every live environment's `bootstrap`.
    pub(crate) fn pids(&self) -> Vec<i32> {
        self.lock().live.values().map(|e| e.pid).collect()
    }

    /// Takes a warm environment for `resolved`, or starts a new one (a cold start). A function
    /// with a reservation is held to it; one without is held to `unreserved` when given.
    ///
    /// # Errors
    /// `TooManyRequestsException` when the function's reserved concurrency or the account's
    /// unreserved concurrency is used up; `ServiceException` when the environment cannot be
    /// created.
    pub(crate) async fn acquire(
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
                        .filter(|(function, _)| !pool.reservations.is_reserved(function))
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
    /// (`AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`). Once its init phase has
    /// finished, [`Environments::release`] adds it to the warm pool, where idle reaping leaves
    /// it alone: its first invocation is therefore warm (no Init Duration), as on Lambda.
    ///
    /// # Errors
    /// `ServiceException` when the environment cannot be created.
    pub(crate) async fn start_provisioned(
        &self,
        resolved: &Resolved,
    ) -> Result<Arc<Environment>, ApiError> {
        self.spawn(&PoolKey::of(resolved), &resolved.config, true)
            .await
    }

    /// Returns an environment to the pool after an invocation (frozen), or destroys it when it
    /// is unhealthy or its function was changed meanwhile.
    pub(crate) fn release(&self, env: &Arc<Environment>, healthy: bool) {
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
    pub(crate) fn destroy(&self, env: &Arc<Environment>) {
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
    pub(crate) fn discard(&self, function: &str, version: Option<&str>) {
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
    pub(crate) fn reap_idle(&self) -> usize {
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
    pub(crate) fn terminate_all(&self) {
        let all: Vec<Arc<Environment>> = {
            let mut inner = self.lock();
            inner.idle.clear();
            std::mem::take(&mut inner.live).into_values().collect()
        };
        for env in all {
            env.terminate();
        }
    }
}
